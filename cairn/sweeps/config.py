"""Parse and validate a sweep config, W&B's format, as a dict or YAML text.

``parse_config(config) -> SweepConfig`` accepts what W&B's sweep schema accepts (plus
``method: tpe``), fills W&B's defaults, and raises one ``InvalidInputError`` listing every
problem, one ``path: why`` line each. The input is never mutated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cairn.errors import InvalidInputError
from cairn.sweeps.params import GRID_OK, is_int, is_number, parse_parameters
from cairn.sweeps.space import Dim, Space

METHODS = ("grid", "random", "bayes", "tpe")
# W&B's top-level keys; the ones cairn does not use are kept and ignored
TOP_LEVEL = (
    "apiVersion",
    "kind",
    "controller",
    "description",
    "program",
    "job",
    "image_uri",
    "entity",
    "project",
    "method",
    "command",
    "name",
    "run_cap",
    "metric",
    "metrics",
    "scheduler",
    "early_terminate",
    "parameters",
)
MACROS = (
    "${env}",
    "${interpreter}",
    "${program}",
    "${args}",
    "${args_no_hyphens}",
    "${args_json}",
    "${args_json_file}",
)
_MACRO = re.compile(r"\$\{[^}]*\}")
_METRIC_KEYS = {
    "name": None,
    "goal": ("minimize", "maximize"),
    "target": None,
    "impute": ("latest", "best", "worst"),
    "impute_while_running": ("latest", "best", "worst", "false"),
}
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")


@dataclass(frozen=True)
class Metric:
    """The metric a sweep optimises: ``goal`` minimize (default) or maximize; ``target`` ends it."""

    name: str
    goal: Literal["minimize", "maximize"] = "minimize"
    target: float | None = None

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is strictly better than ``b`` for this goal."""
        return a > b if self.goal == "maximize" else a < b


@dataclass(frozen=True)
class EarlyTerminate:
    """``early_terminate: {type: hyperband, ...}`` with W&B's defaults (eta 3, strict true)."""

    type: str = "hyperband"
    min_iter: int | None = None
    max_iter: int | None = None
    s: int | None = None
    eta: float = 3.0
    strict: bool = True


@dataclass(frozen=True)
class SweepConfig:
    """A validated config. ``config`` is the filled copy (defaults in) that a server stores."""

    method: str
    space: Space
    metric: Metric | None = None
    early_terminate: EarlyTerminate | None = None
    run_cap: int | None = None
    program: str | None = None
    command: tuple[str, ...] | None = None
    macros: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)


def parse_config(config: Mapping[str, Any] | str) -> SweepConfig:
    """Validate ``config`` (a mapping, or YAML/JSON text) and return its :class:`SweepConfig`.

    Raises ``InvalidInputError`` whose message lists every problem found, one per line.
    """
    if isinstance(config, str):
        config = _load_yaml(config)
    if not isinstance(config, Mapping):
        raise InvalidInputError(
            "sweep config: must be a mapping (method, parameters, ...), "
            f"got {type(config).__name__}"
        )
    raw = copy.deepcopy(dict(config))
    errors: list[str] = []
    for key in raw:
        if key not in TOP_LEVEL:
            errors.append(f"{key}: unknown key (a sweep config takes {', '.join(TOP_LEVEL)})")

    method = raw.get("method")
    if method is None:
        errors.append(f"method: required (one of {', '.join(METHODS)})")
    elif method not in METHODS:
        errors.append(f"method: unknown method {method!r} (one of {', '.join(METHODS)})")

    metric = _parse_metric(raw, errors)
    if metric is None and method in ("bayes", "tpe"):
        errors.append(f"metric: required for method {method} (metric: {{name: ..., goal: ...}})")
    if "metrics" in raw:
        errors.append("metrics: multi-objective sweeps are not supported; give one metric")

    if "parameters" not in raw:
        errors.append("parameters: required (at least one parameter)")
        dims: list[Dim] = []
        filled: dict[str, Any] = {}
    else:
        dims, filled = parse_parameters(raw["parameters"], errors)
        raw["parameters"] = filled
    if method == "grid":
        for d in dims:
            if d.distribution not in GRID_OK or d.probabilities is not None:
                why = "probabilities" if d.probabilities is not None else d.distribution
                errors.append(
                    f"parameters.{d.name}: grid search needs a finite set of values: use values, "
                    f"integer min/max or q_uniform (got {why})"
                )

    early = _parse_early_terminate(raw, errors)
    if early is not None and metric is None:
        errors.append("early_terminate: needs metric (the value runs are compared on)")

    run_cap = raw.get("run_cap")
    if run_cap is not None and (not is_int(run_cap) or run_cap <= 0):
        errors.append(f"run_cap: must be an integer > 0, got {run_cap!r}")

    program = raw.get("program")
    if program is not None and not isinstance(program, str):
        errors.append("program: must be a string (the script the agent runs)")
    command = raw.get("command")
    macros: tuple[str, ...] = ()
    if command is not None:
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            errors.append("command: must be a list of strings")
        else:
            found = [m for c in command for m in _MACRO.findall(c)]
            bad = sorted({m for m in found if m not in MACROS})
            if bad:
                errors.append(
                    f"command: unknown macro {', '.join(bad)} (known: {', '.join(MACROS)})"
                )
            macros = tuple(dict.fromkeys(found))
    for key in ("name", "description", "entity", "project", "job", "image_uri"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], str):
            errors.append(f"{key}: must be a string")
    controller = raw.get("controller")
    if controller is not None and (
        not isinstance(controller, Mapping) or controller.get("type") not in ("local", "cloud")
    ):
        errors.append("controller: must be {type: local} or {type: cloud}")

    if errors:
        raise InvalidInputError("invalid sweep config:\n" + "\n".join(errors))
    assert isinstance(method, str)
    return SweepConfig(
        method=method,
        space=Space(dims),
        metric=metric,
        early_terminate=early,
        run_cap=run_cap,
        program=program,
        command=tuple(command) if command is not None else None,
        macros=macros,
        config=raw,
    )


def _load_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"sweep config: not valid YAML: {exc}") from None


def _parse_metric(raw: dict[str, Any], errors: list[str]) -> Metric | None:
    m = raw.get("metric")
    if m is None:
        return None
    if not isinstance(m, Mapping):
        errors.append("metric: must be a mapping {name, goal, target}")
        return None
    n_before = len(errors)
    for key in m:
        if key not in _METRIC_KEYS:
            errors.append(f"metric.{key}: unknown key (metric takes {', '.join(_METRIC_KEYS)})")
    name = m.get("name")
    if not isinstance(name, str) or not name:
        errors.append("metric.name: required, the name of a logged metric")
    for key, allowed in _METRIC_KEYS.items():
        if allowed is not None and key in m and m[key] not in allowed:
            errors.append(f"metric.{key}: must be one of {', '.join(allowed)}, got {m[key]!r}")
    target = m.get("target")
    if target is not None and not is_number(target):
        errors.append(f"metric.target: must be a number, got {target!r}")
    if len(errors) > n_before:
        return None
    filled = {"goal": "minimize", **m}
    raw["metric"] = filled
    return Metric(
        name=str(name), goal=filled["goal"], target=None if target is None else float(target)
    )


def _parse_early_terminate(raw: dict[str, Any], errors: list[str]) -> EarlyTerminate | None:
    et = raw.get("early_terminate")
    if et is None:
        return None
    where = "early_terminate"
    if not isinstance(et, Mapping):
        errors.append(f"{where}: must be a mapping {{type: hyperband, min_iter | max_iter, ...}}")
        return None
    n_before = len(errors)
    if et.get("type") != "hyperband":
        errors.append(f"{where}.type: must be hyperband, got {et.get('type')!r}")
    for key in et:
        if key not in _HYPERBAND_KEYS:
            errors.append(
                f"{where}.{key}: unknown key (hyperband takes {', '.join(_HYPERBAND_KEYS)})"
            )
    for key in ("min_iter", "max_iter", "s"):
        if key in et and (not is_int(et[key]) or et[key] < 1):
            errors.append(f"{where}.{key}: must be an integer >= 1, got {et[key]!r}")
    eta = et.get("eta", 3)
    if not is_number(eta) or eta <= 1:
        errors.append(f"{where}.eta: must be a number > 1, got {eta!r}")
    strict = et.get("strict", True)
    if not isinstance(strict, bool):
        errors.append(f"{where}.strict: must be true or false, got {strict!r}")
    if "min_iter" not in et and not ("max_iter" in et and "s" in et):
        errors.append(f"{where}: give min_iter, or max_iter and s")
    if len(errors) > n_before:
        return None
    if "min_iter" not in et and et["max_iter"] / eta < 1:
        errors.append(
            f"{where}.max_iter: no bracket fits (max_iter / eta < 1); raise max_iter or lower eta"
        )
        return None
    raw["early_terminate"] = {**et, "eta": eta, "strict": strict}
    return EarlyTerminate(
        type="hyperband",
        min_iter=et.get("min_iter"),
        max_iter=et.get("max_iter"),
        s=et.get("s"),
        eta=float(eta),
        strict=strict,
    )
