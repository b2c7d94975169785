"""Validate a sweep config's ``parameters`` section and turn each parameter into a :class:`Dim`.

W&B's rules: a parameter is ``{value}`` (constant), ``{values[, probabilities]}`` (categorical),
``{min, max}`` (int_uniform when both are ints, else uniform), ``{distribution, ...}`` with that
distribution's keys and defaults, or ``{parameters: {...}}`` (a nested dict of parameters).
Problems are appended to ``errors`` as ``"parameters.<path>[.<key>]: <why>"``; nothing raises here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from cairn.sweeps.space import DISTRIBUTIONS, Dim

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# keys each distribution takes, with W&B's defaults (None: required)
_KEYS: dict[str, dict[str, Any]] = {
    "constant": {"value": None},
    "categorical": {"values": None, "probabilities": ...},
    "int_uniform": {"min": None, "max": None},
    "uniform": {"min": None, "max": None},
    "q_uniform": {"min": None, "max": None, "q": 1.0},
    "log_uniform": {"min": None, "max": None},
    "q_log_uniform": {"min": None, "max": None, "q": 1.0},
    "log_uniform_values": {"min": None, "max": None},
    "q_log_uniform_values": {"min": None, "max": None, "q": 1.0},
    "inv_log_uniform": {"min": None, "max": None},
    "inv_log_uniform_values": {"min": None, "max": None},
    "normal": {"mu": 0.0, "sigma": 1.0},
    "q_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0},
    "log_normal": {"mu": 0.0, "sigma": 1.0},
    "q_log_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0},
    "beta": {"a": 1.0, "b": 1.0},
    "q_beta": {"a": 1.0, "b": 1.0, "q": 1.0},
}
_POSITIVE_MIN = ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values")
# the value bounds [low, high] of a bounded distribution from its min/max, and its warp
_LOG_FROM_EXPONENTS = ("log_uniform", "q_log_uniform")
GRID_OK = ("constant", "categorical", "int_uniform", "q_uniform")


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def infer_distribution(p: Mapping[str, Any]) -> str | None:
    """W&B's inference when ``distribution`` is absent; None when nothing fits."""
    if "value" in p:
        return "constant"
    if "values" in p:
        return "categorical"
    if "min" in p and "max" in p:
        return "int_uniform" if is_int(p["min"]) and is_int(p["max"]) else "uniform"
    return None


def parse_parameters(
    section: Any, errors: list[str], prefix: str = "parameters", path: tuple[str, ...] = ()
) -> tuple[list[Dim], dict[str, Any]]:
    """Dims of a ``parameters`` mapping (recursing into nested ones) and its filled copy."""
    dims: list[Dim] = []
    filled: dict[str, Any] = {}
    if not isinstance(section, Mapping):
        errors.append(f"{prefix}: must be a mapping of parameter name to its definition")
        return dims, filled
    if not section:
        errors.append(f"{prefix}: must name at least one parameter")
        return dims, filled
    for name, spec in section.items():
        where = f"{prefix}.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(
                f"{where}: invalid parameter name "
                "(letters, digits, _ . -; not starting with a digit)"
            )
            continue
        if not isinstance(spec, Mapping):
            errors.append(
                f"{where}: must be a mapping with value, values, min/max, "
                "distribution or parameters"
            )
            continue
        if "parameters" in spec:
            extra = sorted(set(spec) - {"parameters"})
            if extra:
                errors.append(f"{where}: a nested parameter takes only 'parameters', not {extra}")
            sub, sub_filled = parse_parameters(spec["parameters"], errors, where, (*path, name))
            dims.extend(sub)
            filled[name] = {"parameters": sub_filled}
            continue
        dim, filled_spec = _parse_one(where, (*path, name), spec, errors)
        if dim is not None:
            dims.append(dim)
            filled[name] = filled_spec
    if not path:
        _check_collisions(dims, errors)
    return dims, filled


def _check_collisions(dims: list[Dim], errors: list[str]) -> None:
    seen: dict[str, Dim] = {}
    for d in dims:
        other = seen.get(d.name)
        if other is not None:
            errors.append(
                f"parameters.{d.name}: the name is given twice (as {'.'.join(other.path)!r} "
                f"nested and as {'.'.join(d.path)!r}); rename one"
            )
        seen[d.name] = d


def _parse_one(
    where: str, path: tuple[str, ...], spec: Mapping[str, Any], errors: list[str]
) -> tuple[Dim | None, dict[str, Any]]:
    n_before = len(errors)
    dist = spec.get("distribution")
    if dist is None:
        dist = infer_distribution(spec)
        if dist is None:
            errors.append(
                f"{where}: give value, values, min and max, or a distribution "
                f"(one of {', '.join(DISTRIBUTIONS)})"
            )
            return None, {}
    elif dist == "categorical_w_probabilities":
        dist = "categorical"
    elif dist not in DISTRIBUTIONS:
        errors.append(
            f"{where}.distribution: unknown distribution {dist!r} "
            f"(one of {', '.join(DISTRIBUTIONS)})"
        )
        return None, {}
    allowed = _KEYS[dist]
    unknown = sorted(str(k) for k in spec if k not in allowed and k != "distribution")
    if unknown:
        errors.append(
            f"{where}: {', '.join(unknown)} not allowed for {dist} (it takes {', '.join(allowed)})"
        )
    p: dict[str, Any] = {"distribution": dist}
    for key, default in allowed.items():
        if key in spec:
            p[key] = spec[key]
        elif default is None:
            errors.append(f"{where}.{key}: required for {dist}")
        elif default is not ...:
            p[key] = default
    if len(errors) > n_before:
        return None, {}
    _check_values(where, dist, p, errors)
    if len(errors) > n_before:
        return None, {}
    return _make_dim(path, dist, p), p


def _check_values(where: str, dist: str, p: dict[str, Any], errors: list[str]) -> None:
    if dist == "categorical":
        values = p["values"]
        if not isinstance(values, list | tuple) or not values:
            errors.append(f"{where}.values: must be a non-empty list")
            return
        if "probabilities" in p:
            probs = p["probabilities"]
            if not isinstance(probs, list | tuple) or not all(is_number(x) for x in probs):
                errors.append(f"{where}.probabilities: must be a list of numbers")
            elif len(probs) != len(values):
                errors.append(
                    f"{where}.probabilities: {len(probs)} given for {len(values)} values; "
                    "give one per value"
                )
            elif any(x < 0 for x in probs):
                errors.append(f"{where}.probabilities: must all be >= 0")
            elif not math.isclose(sum(probs), 1.0, rel_tol=1e-5, abs_tol=1e-8):
                errors.append(f"{where}.probabilities: must sum to 1 (they sum to {sum(probs):g})")
        return
    if dist == "constant":
        return
    n_before = len(errors)
    for key in ("min", "max", "mu", "sigma", "a", "b", "q"):
        if key in p and not is_number(p[key]):
            errors.append(f"{where}.{key}: must be a finite number, got {p[key]!r}")
    if len(errors) > n_before:
        return
    if dist == "int_uniform":
        for key in ("min", "max"):
            if not float(p[key]).is_integer():
                errors.append(f"{where}.{key}: must be an integer for int_uniform")
        if len(errors) > n_before:
            return
        p["min"], p["max"] = int(p["min"]), int(p["max"])
    if "min" in p and p["min"] >= p["max"]:
        errors.append(f"{where}.min: must be less than max ({p['min']} >= {p['max']})")
        return
    if dist in _POSITIVE_MIN and p["min"] <= 0:
        errors.append(f"{where}.min: must be > 0 for {dist}")
    if "sigma" in p and p["sigma"] <= 0:
        errors.append(f"{where}.sigma: must be > 0")
    for key in ("a", "b"):
        if key in p and p[key] <= 0:
            errors.append(f"{where}.{key}: must be > 0 for {dist}")
    if "q" in p and p["q"] <= 0:
        errors.append(f"{where}.q: must be > 0")


def _make_dim(path: tuple[str, ...], dist: str, p: Mapping[str, Any]) -> Dim:
    name = ".".join(path)
    if dist == "constant":
        return Dim(name, path, "constant", dist, value=p["value"])
    if dist == "categorical":
        probs = p.get("probabilities")
        return Dim(
            name,
            path,
            "categorical",
            dist,
            choices=tuple(p["values"]),
            probabilities=None if probs is None else tuple(float(x) for x in probs),
        )
    q = p.get("q")
    kind: Any = "int" if dist == "int_uniform" or is_int(q) else "float"
    qf = None if q is None else float(q)
    if dist in ("normal", "q_normal", "log_normal", "q_log_normal"):
        low = 0.0 if "log" in dist else None
        return Dim(
            name, path, kind, dist, "cdf", low, None, qf, mu=float(p["mu"]), sigma=float(p["sigma"])
        )
    if dist in ("beta", "q_beta"):
        return Dim(name, path, kind, dist, "cdf", 0.0, 1.0, qf, a=float(p["a"]), b=float(p["b"]))
    lo, hi = float(p["min"]), float(p["max"])
    if dist in ("int_uniform", "uniform", "q_uniform"):
        return Dim(name, path, kind, dist, "linear", lo, hi, qf)
    if dist in _LOG_FROM_EXPONENTS:
        return Dim(name, path, kind, dist, "log", math.exp(lo), math.exp(hi), qf)
    if dist == "inv_log_uniform":
        # W&B: exp(-t), t uniform in [min, max]
        return Dim(name, path, kind, dist, "log", math.exp(-hi), math.exp(-lo), qf)
    return Dim(name, path, kind, dist, "log", lo, hi, qf)  # the *_values log families
