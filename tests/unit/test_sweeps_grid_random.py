"""Grid and random strategies through the public ``cairn.sweeps.strategy``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import cairn
from cairn.sweeps import Trial, strategy

GRID = {
    "method": "grid",
    "parameters": {
        "b": {"values": ["x", "y"]},
        "a": {"min": 1, "max": 3},
        "opt": {"parameters": {"q": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.5}}},
        "c": {"value": 7},
    },
}


def test_grid_order_is_fixed_last_dim_fastest() -> None:
    points = strategy(GRID).suggest([], 100)
    assert len(points) == 3 * 2 * 2  # q_uniform: 0, 0.5 (max left out, as W&B)
    assert points[:3] == [
        {"a": 1, "b": "x", "c": 7, "opt": {"q": 0.0}},
        {"a": 1, "b": "x", "c": 7, "opt": {"q": 0.5}},
        {"a": 1, "b": "y", "c": 7, "opt": {"q": 0.0}},
    ]
    assert points[-1] == {"a": 3, "b": "y", "c": 7, "opt": {"q": 0.5}}
    assert strategy(GRID, seed=3).suggest([], 100) == points


def test_grid_skips_tried_and_running_and_reports_exhaustion() -> None:
    s = strategy(GRID)
    all_points = s.suggest([], 100)
    trials = [Trial(all_points[0], 1.0, "finished"), Trial(all_points[1], None, "running")]
    trials.append(Trial({"a": 1.0, "b": "y", "c": 7, "opt": {"q": 0}}, None, "failed"))  # 1.0 == 1
    assert s.suggest(trials, 2) == all_points[3:5]
    done = [Trial(p, 0.0, "finished") for p in all_points[:-1]]
    assert s.suggest(done, 5) == [all_points[-1]]
    assert s.suggest([*done, Trial(all_points[-1], None, "running")], 1) == []


def test_grid_with_repeated_values_hands_each_point_once() -> None:
    s = strategy({"method": "grid", "parameters": {"a": {"values": [1, 1, 2]}}})
    assert s.suggest([], 5) == [{"a": 1}, {"a": 2}]


def test_grid_q_uniform_float_values_are_clean() -> None:
    s = strategy(
        {
            "method": "grid",
            "parameters": {"x": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.1}},
        }
    )
    assert [p["x"] for p in s.suggest([], 20)] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


RANDOM: dict[str, Any] = {
    "method": "random",
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "opt": {"values": ["adam", "sgd"]},
        "layers": {"min": 1, "max": 8},
    },
}


def test_random_is_deterministic_per_seed() -> None:
    a = strategy(RANDOM, seed=42).suggest([], 5)
    assert strategy(RANDOM, seed=42).suggest([], 5) == a
    assert strategy(RANDOM, seed=43).suggest([], 5) != a
    # a rebuilt strategy moves on as trials accumulate
    trials = [Trial(p, None, "running") for p in a]
    nxt = strategy(RANDOM, seed=42).suggest(trials, 5)
    assert not {str(p) for p in nxt} & {str(p) for p in a}


def test_random_points_are_distinct_from_each_other_and_running() -> None:
    space_small = {
        "method": "random",
        "parameters": {"a": {"values": [1, 2, 3, 4]}, "b": {"values": [0, 1]}},
    }
    s = strategy(space_small, seed=0)
    first = s.suggest([], 5)
    assert len({str(p) for p in first}) == 5
    running = [Trial(p, None, "running") for p in first]
    more = s.suggest(running, 3)
    assert len(more) == 3
    assert not {str(p) for p in more} & {str(p) for p in first}
    # the space (8 points) is used up: random never ends, finished points repeat
    finished = [Trial(p, 1.0, "finished") for p in first + more]
    assert len(strategy(space_small, seed=0).suggest(finished, 2)) == 2


def test_unknown_method_module_raises_not_implemented(monkeypatch: pytest.MonkeyPatch) -> None:
    from cairn.sweeps import strategies

    monkeypatch.setitem(strategies.STRATEGIES, "tpe", "cairn.sweeps.strategies.not_here:X")
    with pytest.raises(NotImplementedError, match="method 'tpe'"):
        strategy(
            {
                "method": "tpe",
                "metric": {"name": "m"},
                "parameters": {"x": {"min": 0.0, "max": 1.0}},
            }
        )


def test_cairn_sweeps_is_lazy_and_import_cairn_stays_light() -> None:
    code = (
        "import sys, cairn\n"
        "print(sorted({'numpy', 'scipy', 'cairn.sweeps'} & set(sys.modules)))\n"
        "cfg = {'method': 'grid', 'parameters': {'a': {'values': [1]}}}\n"
        "cairn.sweeps.strategy(cfg).suggest([])\n"
        "print('scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "False"]
    assert cairn.sweeps.strategy is strategy
