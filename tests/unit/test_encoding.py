"""JSON-safe values: non-finite floats become their names anywhere; other data is kept."""

from __future__ import annotations

import numpy as np

from cairn.server.encoding import json_safe


def test_nonfinite_floats_become_names_at_any_depth() -> None:
    value = {
        "a": 1.0,
        "b": [1, float("nan"), {"c": float("-inf")}],
        "d": (float("inf"),),
        "e": np.float64("nan"),
        "f": True,
        "g": None,
        "h": "NaN",
    }
    assert json_safe(value) == {
        "a": 1.0,
        "b": [1, "NaN", {"c": "-Infinity"}],
        "d": ["Infinity"],
        "e": "NaN",
        "f": True,
        "g": None,
        "h": "NaN",
    }
    assert value["b"][1] != value["b"][1]  # the input is left as it was


def test_finite_data_comes_back_unchanged() -> None:
    value = {"lr": 0.1, "layers": [64, 32], "opt": {"name": "adam", "beta": (0.9, 0.99)}}
    assert json_safe(value) == value
    assert json_safe(float("inf")) == "Infinity"
    assert json_safe(np.float64(2.5)) == 2.5
