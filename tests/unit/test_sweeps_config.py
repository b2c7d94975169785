"""Sweep config parsing: W&B's format accepted as-is, bad configs rejected with every reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cairn.errors import InvalidInputError
from cairn.sweeps import parse_config

EVERY_DISTRIBUTION: dict[str, dict[str, Any]] = {
    "const": {"value": "adam"},
    "const_explicit": {"distribution": "constant", "value": 3},
    "cat": {"values": [1, 2, 3]},
    "cat_explicit": {"distribution": "categorical", "values": ["a", "b"]},
    "cat_probs": {"values": ["x", "y"], "probabilities": [0.25, 0.75]},
    "int_inferred": {"min": 1, "max": 10},
    "float_inferred": {"min": 0.0, "max": 1},
    "int_uniform": {"distribution": "int_uniform", "min": -3, "max": 3},
    "uniform": {"distribution": "uniform", "min": 0.1, "max": 0.2},
    "q_uniform": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.1},
    "log_uniform": {"distribution": "log_uniform", "min": -5, "max": 0},
    "q_log_uniform": {"distribution": "q_log_uniform", "min": 0, "max": 5},
    "log_uniform_values": {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1},
    "q_log_uniform_values": {
        "distribution": "q_log_uniform_values",
        "min": 16,
        "max": 512,
        "q": 16,
    },
    "inv_log_uniform": {"distribution": "inv_log_uniform", "min": 0, "max": 3},
    "inv_log_uniform_values": {"distribution": "inv_log_uniform_values", "min": 0.01, "max": 1},
    "normal": {"distribution": "normal", "mu": 1, "sigma": 2},
    "q_normal": {"distribution": "q_normal", "q": 2},
    "log_normal": {"distribution": "log_normal"},
    "q_log_normal": {"distribution": "q_log_normal", "mu": 2, "sigma": 0.5, "q": 0.5},
    "beta": {"distribution": "beta", "a": 2, "b": 5},
    "q_beta": {"distribution": "q_beta", "q": 0.1},
    "nested": {
        "parameters": {"lr": {"min": 0.0, "max": 1.0}, "inner": {"parameters": {"k": {"value": 1}}}}
    },
}


def test_every_distribution_accepted_with_defaults_filled() -> None:
    raw = {"method": "random", "parameters": EVERY_DISTRIBUTION}
    before = copy.deepcopy(raw)
    cfg = parse_config(raw)
    assert raw == before  # nothing mutated
    dims = {d.name: d for d in cfg.space.dims}
    assert dims["int_inferred"].distribution == "int_uniform"
    assert dims["int_inferred"].kind == "int"
    assert dims["float_inferred"].distribution == "uniform"
    assert dims["float_inferred"].kind == "float"
    assert dims["cat"].distribution == "categorical"
    assert dims["const"].kind == "constant"
    assert dims["cat_probs"].probabilities == (0.25, 0.75)
    assert dims["q_log_uniform_values"].kind == "int"  # int q gives ints, as in W&B
    assert dims["q_uniform"].kind == "float"
    assert dims["nested.lr"].path == ("nested", "lr")
    assert dims["nested.inner.k"].value == 1
    filled = cfg.config["parameters"]
    assert filled["normal"] == {"distribution": "normal", "mu": 1, "sigma": 2}
    assert filled["log_normal"] == {"distribution": "log_normal", "mu": 0.0, "sigma": 1.0}
    assert filled["q_beta"] == {"distribution": "q_beta", "a": 1.0, "b": 1.0, "q": 0.1}
    assert filled["q_log_uniform"]["q"] == 1.0
    assert dims["log_uniform"].low == pytest.approx(2.718281828459045**-5)
    assert dims["inv_log_uniform"].low == pytest.approx(2.718281828459045**-3)
    assert dims["inv_log_uniform"].high == pytest.approx(1.0)
    assert cfg.metric is None
    assert cfg.early_terminate is None


# W&B's documentation examples, as published
WANDB_YAML = """
program: train.py
method: bayes
name: sweep
description: an example
metric:
  goal: minimize
  name: validation_loss
parameters:
  learning_rate:
    min: 0.0001
    max: 0.1
  batch_size:
    values: [16, 32, 64]
  epochs:
    values: [5, 10, 15]
  optimizer:
    values: ["adam", "sgd"]
early_terminate:
  type: hyperband
  min_iter: 3
command:
  - ${env}
  - ${interpreter}
  - ${program}
  - "--config"
  - "config.yaml"
  - ${args}
"""

WANDB_DICTS: list[dict[str, Any]] = [
    {
        "method": "random",
        "metric": {"goal": "minimize", "name": "loss"},
        "parameters": {
            "batch_size": {"values": [16, 32, 64]},
            "epochs": {"values": [5, 10, 15]},
            "lr": {"max": 0.1, "min": 0.0001},
        },
    },
    {
        "method": "grid",
        "parameters": {
            "optimizer": {"values": ["adam", "sgd"]},
            "fc_layer_size": {"values": [128, 256, 512]},
            "dropout": {"values": [0.3, 0.4, 0.5]},
            "epochs": {"value": 1},
        },
    },
    {
        "method": "random",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {
            "learning_rate": {"distribution": "uniform", "min": 0, "max": 0.1},
            "batch_size": {
                "distribution": "q_log_uniform_values",
                "q": 8,
                "min": 32,
                "max": 256,
            },
        },
        "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2},
        "run_cap": 20,
        "project": "p",
        "entity": "e",
    },
    {
        "method": "bayes",
        "metric": {"name": "val_acc", "goal": "maximize", "target": 0.99},
        "parameters": {
            "optimizer": {
                "parameters": {
                    "name": {"values": ["adam", "sgd"]},
                    "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
                }
            },
            "weight_decay": {"values": [0.0, 1e-4], "probabilities": [0.5, 0.5]},
        },
        "controller": {"type": "local"},
    },
]


def test_wandb_yaml_example_runs_as_is() -> None:
    cfg = parse_config(WANDB_YAML)
    assert cfg.method == "bayes"
    assert cfg.metric is not None
    assert (cfg.metric.name, cfg.metric.goal) == ("validation_loss", "minimize")
    assert cfg.program == "train.py"
    assert cfg.command is not None
    assert cfg.macros == ("${env}", "${interpreter}", "${program}", "${args}")
    assert cfg.early_terminate is not None
    assert (cfg.early_terminate.min_iter, cfg.early_terminate.eta) == (3, 3.0)
    assert cfg.early_terminate.strict is True
    assert [d.name for d in cfg.space.dims] == [
        "batch_size",
        "epochs",
        "learning_rate",
        "optimizer",
    ]


@pytest.mark.parametrize("raw", WANDB_DICTS)
def test_wandb_dict_examples_run_as_is(raw: dict[str, Any]) -> None:
    before = copy.deepcopy(raw)
    cfg = parse_config(raw)
    assert raw == before
    assert cfg.method == raw["method"]
    assert cfg.config["method"] == raw["method"]


def test_tpe_is_accepted_and_run_cap_kept() -> None:
    cfg = parse_config(
        {
            "method": "tpe",
            "metric": {"name": "m"},
            "run_cap": 5,
            "parameters": {"x": {"min": 0.0, "max": 1.0}},
        }
    )
    assert (cfg.method, cfg.run_cap) == ("tpe", 5)
    assert cfg.metric is not None
    assert cfg.metric.goal == "minimize"


def _p(**params: Any) -> dict[str, Any]:
    return {"method": "random", "parameters": params}


BAD: list[tuple[Any, str]] = [
    ([1, 2], "sweep config: must be a mapping (method, parameters, ...), got list"),
    ("method: [unclosed", "sweep config: not valid YAML"),
    ({"parameters": {"x": {"value": 1}}}, "method: required (one of grid, random, bayes, tpe)"),
    (
        {"method": "hyper", "parameters": {"x": {"value": 1}}},
        "method: unknown method 'hyper' (one of grid, random, bayes, tpe)",
    ),
    ({"method": "random"}, "parameters: required (at least one parameter)"),
    ({"method": "random", "parameters": {}}, "parameters: must name at least one parameter"),
    (
        {"method": "bayes", "parameters": {"x": {"min": 0.0, "max": 1.0}}},
        "metric: required for method bayes (metric: {name: ..., goal: ...})",
    ),
    (
        _p(lr={"distribution": "log_uniform_values", "min": 0, "max": 1}),
        "parameters.lr.min: must be > 0 for log_uniform_values",
    ),
    (_p(lr={"min": 5, "max": 1}), "parameters.lr.min: must be less than max (5 >= 1)"),
    (_p(lr={"min": 1.0, "max": 1.0}), "parameters.lr.min: must be less than max (1.0 >= 1.0)"),
    (
        _p(lr={"distribution": "gaussian"}),
        "parameters.lr.distribution: unknown distribution 'gaussian' "
        "(one of constant, categorical,",
    ),
    (_p(lr={"distribution": "uniform", "min": 0}), "parameters.lr.max: required for uniform"),
    (
        _p(lr={"distribution": "normal", "mu": 0, "min": 1}),
        "parameters.lr: min not allowed for normal (it takes mu, sigma)",
    ),
    (_p(lr={"distribution": "normal", "sigma": 0}), "parameters.lr.sigma: must be > 0"),
    (
        _p(lr={"distribution": "normal", "mu": "zero"}),
        "parameters.lr.mu: must be a finite number, got 'zero'",
    ),
    (_p(lr={"distribution": "beta", "a": -1}), "parameters.lr.a: must be > 0 for beta"),
    (
        _p(lr={"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}),
        "parameters.lr.q: must be > 0",
    ),
    (
        _p(lr={"distribution": "int_uniform", "min": 0.5, "max": 3}),
        "parameters.lr.min: must be an integer for int_uniform",
    ),
    (_p(lr={"values": []}), "parameters.lr.values: must be a non-empty list"),
    (_p(lr={"values": "abc"}), "parameters.lr.values: must be a non-empty list"),
    (
        _p(lr={"values": [1, 2], "probabilities": [0.5]}),
        "parameters.lr.probabilities: 1 given for 2 values; give one per value",
    ),
    (
        _p(lr={"values": [1, 2], "probabilities": [0.5, 0.6]}),
        "parameters.lr.probabilities: must sum to 1 (they sum to 1.1)",
    ),
    (
        _p(lr={"values": [1, 2], "probabilities": [1.5, -0.5]}),
        "parameters.lr.probabilities: must all be >= 0",
    ),
    (_p(lr={"mu": 1}), "parameters.lr: give value, values, min and max, or a distribution"),
    (
        _p(lr=0.1),
        "parameters.lr: must be a mapping with value, values, min/max, distribution or parameters",
    ),
    (_p(**{"1lr": {"value": 1}}), "parameters.1lr: invalid parameter name"),
    (
        _p(opt={"parameters": {"lr": {"value": 1}}, "values": [1]}),
        "parameters.opt: a nested parameter takes only 'parameters', not ['values']",
    ),
    (
        _p(opt={"parameters": {"lr": {"min": 2, "max": 1}}}),
        "parameters.opt.lr.min: must be less than max (2 >= 1)",
    ),
    (
        _p(**{"opt.lr": {"value": 1}, "opt": {"parameters": {"lr": {"value": 2}}}}),
        "parameters.opt.lr: the name is given twice",
    ),
    (
        {"method": "grid", "parameters": {"lr": {"min": 0.0, "max": 1.0}}},
        "parameters.lr: grid search needs a finite set of values: "
        "use values, integer min/max or q_uniform (got uniform)",
    ),
    (
        {"method": "grid", "parameters": {"c": {"values": [1, 2], "probabilities": [0.5, 0.5]}}},
        "parameters.c: grid search needs a finite set of values: "
        "use values, integer min/max or q_uniform (got probabilities)",
    ),
    (
        {**_p(x={"value": 1}), "metric": {"goal": "minimize"}},
        "metric.name: required, the name of a logged metric",
    ),
    (
        {**_p(x={"value": 1}), "metric": {"name": "m", "goal": "lowest"}},
        "metric.goal: must be one of minimize, maximize, got 'lowest'",
    ),
    ({**_p(x={"value": 1}), "metric": {"name": "m", "mode": "min"}}, "metric.mode: unknown key"),
    ({**_p(x={"value": 1}), "metric": "loss"}, "metric: must be a mapping {name, goal, target}"),
    (
        {**_p(x={"value": 1}), "metrics": [{"name": "a"}, {"name": "b"}]},
        "metrics: multi-objective sweeps are not supported; give one metric",
    ),
    ({**_p(x={"value": 1}), "run_cap": 0}, "run_cap: must be an integer > 0, got 0"),
    (
        {**_p(x={"value": 1}), "paramters": {}},
        "paramters: unknown key (a sweep config takes apiVersion,",
    ),
    ({**_p(x={"value": 1}), "command": "python train.py"}, "command: must be a list of strings"),
    (
        {**_p(x={"value": 1}), "command": ["${interp}", "${args}"]},
        "command: unknown macro ${interp}",
    ),
    (
        {**_p(x={"value": 1}), "metric": {"name": "m"}, "early_terminate": {"type": "median"}},
        "early_terminate.type: must be hyperband, got 'median'",
    ),
    (
        {
            **_p(x={"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "max_iter": 27},
        },
        "early_terminate: give min_iter, or max_iter and s",
    ),
    (
        {
            **_p(x={"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 1},
        },
        "early_terminate.eta: must be a number > 1, got 1",
    ),
    (
        {
            **_p(x={"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 0},
        },
        "early_terminate.min_iter: must be an integer >= 1, got 0",
    ),
    (
        {
            **_p(x={"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 1},
        },
        "early_terminate.max_iter: no bracket fits (max_iter / eta < 1); "
        "raise max_iter or lower eta",
    ),
    (
        {**_p(x={"value": 1}), "early_terminate": {"type": "hyperband", "min_iter": 3}},
        "early_terminate: needs metric (the value runs are compared on)",
    ),
    (
        {
            **_p(x={"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 3, "strict": "yes"},
        },
        "early_terminate.strict: must be true or false, got 'yes'",
    ),
]


@pytest.mark.parametrize(("raw", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_bad_config_names_the_key_and_why(raw: Any, message: str) -> None:
    before = copy.deepcopy(raw)
    with pytest.raises(InvalidInputError) as info:
        parse_config(raw)
    assert message in str(info.value)
    assert raw == before


def test_all_errors_are_collected_in_one_message() -> None:
    raw = {
        "method": "bayes",
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": -1, "max": 1},
            "bs": {"min": 64, "max": 8},
            "opt": {"distribution": "nope"},
        },
        "run_cap": -2,
    }
    with pytest.raises(InvalidInputError) as info:
        parse_config(raw)
    lines = str(info.value).splitlines()
    assert lines[0] == "invalid sweep config:"
    assert lines[1:] == [
        "metric: required for method bayes (metric: {name: ..., goal: ...})",
        "parameters.lr.min: must be > 0 for log_uniform_values",
        "parameters.bs.min: must be less than max (64 >= 8)",
        "parameters.opt.distribution: unknown distribution 'nope' (one of constant, categorical, "
        "int_uniform, uniform, q_uniform, log_uniform, q_log_uniform, log_uniform_values, "
        "q_log_uniform_values, inv_log_uniform, inv_log_uniform_values, normal, q_normal, "
        "log_normal, q_log_normal, beta, q_beta)",
        "run_cap: must be an integer > 0, got -2",
    ]
