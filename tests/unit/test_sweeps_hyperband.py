"""Hyperband stopping on hand-built histories, W&B's semantics."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cairn.errors import InvalidInputError
from cairn.sweeps import hyperband_bands, hyperband_stop, parse_config


def _config(goal: str = "minimize", **et: Any) -> Any:
    return parse_config(
        {
            "method": "random",
            "metric": {"name": "loss", "goal": goal},
            "parameters": {"a": {"values": [1, 2]}},
            "early_terminate": {"type": "hyperband", **et},
        }
    )


def test_bands_from_min_iter_and_from_max_iter() -> None:
    et = _config(min_iter=3).early_terminate
    assert hyperband_bands(et)[:4] == [3, 9, 27, 81]
    et = _config(min_iter=2, eta=2).early_terminate
    assert hyperband_bands(et)[:3] == [2, 4, 8]
    assert hyperband_bands(_config(max_iter=27, s=2).early_terminate) == [3, 9]
    assert hyperband_bands(_config(max_iter=5, eta=2, s=2).early_terminate) == [1, 2]
    # s larger than fits: stops at the last bracket >= 1
    assert hyperband_bands(_config(max_iter=9, s=5).early_terminate) == [1, 3]
    # max_iter wins over min_iter, as in W&B
    assert hyperband_bands(_config(max_iter=27, s=1, min_iter=1).early_terminate) == [9]


def test_wandb_docstring_example() -> None:
    histories = {
        "a": [10, 9],
        "b": [10, 10],
        "c": [10, 8, 8],
        "d": [10, 7, 7],
        "e": [10, 6, 6],
    }
    # thresholds: band 1 -> 10, band 2 -> sorted [6,7,8,9,10][int(5/2)] = 8
    cfg = _config(max_iter=5, eta=2, s=2)
    assert hyperband_stop(cfg, histories, running={"b", "c", "d"}) == ["b"]
    # finished runs are never stopped, only counted
    assert hyperband_stop(cfg, histories, running={"c", "d"}) == []


def test_strict_compares_the_value_at_the_bracket_non_strict_the_best_so_far() -> None:
    histories = {"r1": [5, 4, 3], "r2": [5, 4, 3], "r3": [1, 6]}
    # band 2: values [4, 4, 6] -> threshold sorted[int(3/2)] = 4
    assert hyperband_stop(_config(min_iter=2, eta=2), histories, {"r3"}) == ["r3"]
    assert hyperband_stop(_config(min_iter=2, eta=2, strict=False), histories, {"r3"}) == []


def test_maximize_flips_the_comparison() -> None:
    histories = {"good": [0.9, 0.95], "mid": [0.5, 0.6], "bad": [0.1, 0.2]}
    # band 2, negated: [-0.95, -0.6, -0.2] -> threshold at index int(3/3)=1 -> -0.6
    stop = hyperband_stop(_config("maximize", min_iter=2), histories, {"good", "mid", "bad"})
    assert stop == ["bad"]
    stop = hyperband_stop(_config("minimize", min_iter=2), histories, {"good", "mid", "bad"})
    assert stop == ["good"]


def test_runs_before_their_first_bracket_are_left_alone() -> None:
    histories = {"old": [1, 1, 1, 1], "new": [100, 100]}
    assert hyperband_stop(_config(min_iter=3), histories, {"new"}) == []
    histories["new"].append(100)
    assert hyperband_stop(_config(min_iter=3), histories, {"new"}) == ["new"]


def test_step_value_pairs_are_ordered_by_step_and_non_finite_values_skipped() -> None:
    histories = {
        "x": [(0, 5.0), (10, 4.0), (20, 3.0)],
        # logged out of order, with a NaN row that does not count as an iteration
        "y": [(20, 9.0), (0, 5.0), (5, math.nan), (10, 1.0)],
    }
    # iterations: x = [5, 4, 3], y = [5, 1, 9]; band 3 threshold sorted [3, 9][int(2/3)=0] = 3
    assert hyperband_stop(_config(min_iter=3), histories, {"x", "y"}) == ["y"]
    assert hyperband_stop(_config(min_iter=3, strict=False), histories, {"x", "y"}) == []


def test_a_later_bracket_is_the_one_compared() -> None:
    # band 1: all 10 -> threshold 10, nobody stopped there; band 3: [1, 2, 3] -> index 1 -> 2
    histories = {"a": [10, 1, 1], "b": [10, 2, 2], "c": [10, 3, 3]}
    assert hyperband_stop(_config(min_iter=1), histories, {"a", "b", "c"}) == ["c"]


def test_config_without_hyperband_is_a_clear_error() -> None:
    cfg = parse_config({"method": "random", "parameters": {"a": {"values": [1]}}})
    with pytest.raises(InvalidInputError, match="early_terminate: the config has no hyperband"):
        hyperband_stop(cfg, {}, set())
