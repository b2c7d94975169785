"""The search space: sampling within bounds and by distribution, and the unit-cube round trip."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest

from cairn.errors import InvalidInputError
from cairn.sweeps import Space, parse_config
from tests.unit.test_sweeps_config import EVERY_DISTRIBUTION


def _space(params: dict[str, Any]) -> Space:
    return parse_config({"method": "random", "parameters": params}).space


def _get(p: dict[str, Any], name: str) -> Any:
    for part in name.split("."):
        p = p[part]
    return p


def test_layout_numeric_first_then_one_hot() -> None:
    space = _space(EVERY_DISTRIBUTION)
    assert [d.name for d in space.numeric][:3] == ["beta", "float_inferred", "int_inferred"]
    cat_width = sum(len(d.choices) for d in space.categorical)
    assert space.width == len(space.numeric) + cat_width
    assert all(c[1] is None for c in space.columns[: len(space.numeric)])
    assert "const" not in {c[0].name for c in space.columns}


def test_samples_stay_in_bounds_and_on_grid() -> None:
    space = _space(EVERY_DISTRIBUTION)
    rng = np.random.default_rng(0)
    for p in space.sample(rng, 500):
        assert p["const"] == "adam"
        assert p["nested"]["inner"]["k"] == 1
        assert p["cat"] in (1, 2, 3)
        assert isinstance(p["int_inferred"], int)
        assert 1 <= p["int_inferred"] <= 10
        assert 0.0 <= p["float_inferred"] <= 1.0
        assert 0.0 <= p["q_uniform"] <= 1.0
        assert round(p["q_uniform"] * 10, 9) == round(p["q_uniform"] * 10)
        assert 16 <= p["q_log_uniform_values"] <= 512
        assert p["q_log_uniform_values"] % 16 == 0
        assert isinstance(p["q_log_uniform_values"], int)
        assert 1e-5 <= p["log_uniform_values"] <= 0.1
        assert math.exp(-5) <= p["log_uniform"] <= 1.0
        assert math.exp(-3) <= p["inv_log_uniform"] <= 1.0
        assert 0.01 <= p["inv_log_uniform_values"] <= 1.0
        assert p["q_normal"] % 2 == 0
        assert p["log_normal"] > 0
        assert 0.0 <= p["beta"] <= 1.0
        assert p["q_beta"] in {round(k / 10, 1) for k in range(11)}


def test_log_dims_are_log_distributed() -> None:
    space = _space({"lr": {"distribution": "log_uniform_values", "min": 1e-6, "max": 1.0}})
    values = np.array([p["lr"] for p in space.sample(np.random.default_rng(7), 6000)])
    # each decade gets ~1/6 of the draws (uniform sampling would put ~90% in the top one)
    counts = np.histogram(np.log10(values), bins=6, range=(-6, 0))[0] / len(values)
    assert np.all(np.abs(counts - 1 / 6) < 0.03)


def test_normal_dims_follow_mu_and_sigma() -> None:
    space = _space({"x": {"distribution": "normal", "mu": 3, "sigma": 2}})
    values = np.array([p["x"] for p in space.sample(np.random.default_rng(3), 5000)])
    assert abs(values.mean() - 3) < 0.1
    assert abs(values.std() - 2) < 0.1


def test_probabilities_are_honoured() -> None:
    space = _space({"c": {"values": ["a", "b", "c"], "probabilities": [0.1, 0.2, 0.7]}})
    counts = Counter(p["c"] for p in space.sample(np.random.default_rng(1), 5000))
    for value, prob in (("a", 0.1), ("b", 0.2), ("c", 0.7)):
        assert abs(counts[value] / 5000 - prob) < 0.03


def test_q_rounding_int_and_float() -> None:
    space = _space(
        {
            "n": {"distribution": "q_uniform", "min": 0, "max": 100, "q": 5},
            "f": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.05},
        }
    )
    for p in space.sample(np.random.default_rng(2), 300):
        assert isinstance(p["n"], int)
        assert p["n"] % 5 == 0
        assert 0 <= p["n"] <= 100
        assert p["f"] == round(p["f"], 4)
        assert abs(p["f"] / 0.05 - round(p["f"] / 0.05)) < 1e-9


def test_round_trip_params_to_unit_and_back() -> None:
    space = _space(EVERY_DISTRIBUTION)
    points = space.sample(np.random.default_rng(5), 200)
    x = space.to_unit(points)
    assert x.shape == (200, space.width)
    assert np.all((x >= 0) & (x <= 1))
    back = space.from_unit(x)
    for a, b in zip(points, back, strict=True):
        for d in space.dims:
            va, vb = _get(a, d.name), _get(b, d.name)
            if isinstance(va, float):
                assert vb == pytest.approx(va, rel=1e-9, abs=1e-12)
            else:
                assert vb == va


def test_from_unit_rounds_and_argmaxes_anything_in_the_cube() -> None:
    space = _space(
        {"k": {"min": 1, "max": 4}, "c": {"values": ["x", "y"]}, "lr": {"min": 0.0, "max": 2.0}}
    )
    x = np.random.default_rng(9).uniform(-0.2, 1.2, size=(100, space.width))
    points = space.from_unit(x)
    assert {p["k"] for p in points} <= {1, 2, 3, 4}
    assert all(0.0 <= p["lr"] <= 2.0 for p in points)
    snapped = space.snap_unit(x)
    assert space.from_unit(snapped) == points
    # each int owns an equal slice of the unit column
    ks = [
        p["k"]
        for p in space.from_unit(np.column_stack([np.linspace(0, 1, 400), np.zeros((400, 3))]))
    ]
    assert sorted(Counter(ks).values()) == [100, 100, 100, 100]


def test_single_params_dict_and_flat_dotted_keys() -> None:
    space = _space({"opt": {"parameters": {"lr": {"min": 0.0, "max": 4.0}}}})
    assert space.to_unit({"opt": {"lr": 1.0}}).tolist() == [0.25]
    assert space.to_unit({"opt.lr": 1.0}).tolist() == [0.25]
    assert space.from_unit(np.array([0.5])) == [{"opt": {"lr": 2.0}}]


def test_unknown_categorical_value_and_missing_dim_are_clear_errors() -> None:
    space = _space({"c": {"values": [1, 2]}, "x": {"min": 0.0, "max": 1.0}})
    with pytest.raises(InvalidInputError, match=r"c: 3 is not one of the values \[1, 2\]"):
        space.to_unit({"c": 3, "x": 0.5})
    with pytest.raises(InvalidInputError, match="x: missing from the trial's params"):
        space.to_unit({"c": 1})


def test_key_treats_one_and_one_point_zero_alike() -> None:
    space = _space({"c": {"values": [1, 2]}, "x": {"min": 0.0, "max": 1.0}})
    assert space.key({"c": 1, "x": 1}) == space.key({"c": 1.0, "x": 1.0})
    assert space.key({"c": 1, "x": 0.5}) != space.key({"c": 2, "x": 0.5})


def test_from_config_accepts_yaml() -> None:
    space = Space.from_config("method: random\nparameters:\n  a: {values: [1, 2]}\n")
    assert [d.name for d in space] == ["a"]
