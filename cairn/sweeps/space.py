"""The search space of a sweep: its dimensions, sampling, and the unit-cube encoding strategies use.

A :class:`Space` is built from a validated config (:func:`cairn.sweeps.config.parse_config`).
Parameters are nested dicts (``{"opt": {"lr": 0.1}}``); a dimension's ``name`` is its dotted path
(``"opt.lr"``) and ``path`` the tuple of keys. Constants take no column in the unit encoding.

Unit encoding (``to_unit`` / ``from_unit``), the contract model-based strategies build on:

* columns ``0 .. len(numeric)-1``: one per numeric dim (float and int), in ``numeric`` order,
  each in [0, 1]: uniform families linearly, log families on the log scale, normal, log-normal
  and beta families through their CDF (so the prior is uniform on the column). Ints and ``q``
  dims cover [min - q/2, max + q/2] so each grid value owns an equal slice.
* then one one-hot block per categorical dim, in ``categorical`` order (``Dim.width`` columns).

``from_unit`` is the inverse up to rounding: ints and ``q`` dims round to their grid, one-hot
blocks take their argmax, values outside [0, 1] are clipped. ``to_unit(from_unit(x))`` is the
feasible point nearest ``x``; ``from_unit(to_unit(p)) == p`` for any feasible ``p``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

Kind = Literal["float", "int", "categorical", "constant"]
Warp = Literal["linear", "log", "cdf"]
TrialState = Literal["running", "finished", "failed", "crashed", "killed"]

# every distribution a config may name (W&B's, same spelling)
DISTRIBUTIONS = (
    "constant",
    "categorical",
    "int_uniform",
    "uniform",
    "q_uniform",
    "log_uniform",
    "q_log_uniform",
    "log_uniform_values",
    "q_log_uniform_values",
    "inv_log_uniform",
    "inv_log_uniform_values",
    "normal",
    "q_normal",
    "log_normal",
    "q_log_normal",
    "beta",
    "q_beta",
)
# a CDF of exactly 0 or 1 maps to ±inf for the unbounded families
_EPS = 1e-9


@dataclass(frozen=True)
class Dim:
    """One searchable (or constant) parameter.

    ``distribution`` is the W&B name after inference (``values`` → categorical, int ``min``/``max``
    → int_uniform, ...). ``low``/``high`` are bounds in value space (None where unbounded: normal,
    q_normal, log_normal (low 0), ...). ``mu``/``sigma`` (normal and log-normal: of the log),
    ``a``/``b`` (beta), ``q`` (quantised families), ``choices`` + ``probabilities`` (categorical),
    ``value`` (constant). ``warp``: how the unit column is made: linear, log, or cdf.
    """

    name: str
    path: tuple[str, ...]
    kind: Kind
    distribution: str
    warp: Warp = "linear"
    low: float | None = None
    high: float | None = None
    q: float | None = None
    choices: tuple[Any, ...] = ()
    probabilities: tuple[float, ...] | None = None
    value: Any = None
    mu: float | None = None
    sigma: float | None = None
    a: float | None = None
    b: float | None = None

    @property
    def width(self) -> int:
        """Columns this dim takes in the unit encoding (0 for constants)."""
        if self.kind == "constant":
            return 0
        if self.kind == "categorical":
            return len(self.choices)
        return 1

    # ---- numeric dims: unit <-> value ------------------------------------------------------

    def _span(self) -> tuple[float, float]:
        """The [lo, hi] the linear/log column spans, in the warped scale, widened for rounding."""
        assert self.low is not None
        assert self.high is not None
        lo, hi = self.low, self.high
        step = self.q if self.q is not None else (1.0 if self.kind == "int" else None)
        if self.warp == "log":
            lo, hi = math.log(lo), math.log(hi)
            if step is not None:
                # half a step on the value scale at each end, in log units
                if self.low > step / 2:
                    lo = math.log(self.low - step / 2)
                hi = math.log(self.high + step / 2)
            return lo, hi
        if step is not None:
            lo, hi = lo - step / 2, hi + step / 2
        return lo, hi

    def unit_of(self, values: np.ndarray) -> np.ndarray:
        """Map numeric values of this dim to [0, 1] (vectorised)."""
        v = np.asarray(values, dtype=float)
        if self.warp == "cdf":
            return np.asarray(np.clip(self._cdf(v), 0.0, 1.0))
        lo, hi = self._span()
        w = np.log(np.maximum(v, 1e-300)) if self.warp == "log" else v
        return np.asarray(np.clip((w - lo) / (hi - lo), 0.0, 1.0))

    def value_of(self, units: np.ndarray) -> np.ndarray:
        """Map [0, 1] columns back to values (float array, before rounding)."""
        u = np.clip(np.asarray(units, dtype=float), 0.0, 1.0)
        if self.warp == "cdf":
            return self._ppf(np.clip(u, _EPS, 1.0 - _EPS))
        lo, hi = self._span()
        w = lo + u * (hi - lo)
        return np.asarray(np.exp(w) if self.warp == "log" else w)

    def snap(self, values: np.ndarray) -> list[Any]:
        """Round raw values onto this dim's grid (ints, q) and into bounds, as Python scalars."""
        v = np.asarray(values, dtype=float)
        step = self.q if self.q is not None else (1.0 if self.kind == "int" else None)
        if step is not None:
            v = np.round(v / step) * step
            if self.low is not None:
                v = np.where(v < self.low - 1e-12, v + step, v)
            if self.high is not None:
                v = np.where(v > self.high + 1e-12, v - step, v)
        if self.low is not None and self.high is not None and step is None:
            v = np.clip(v, self.low, self.high)
        if self.kind == "int":
            return [int(x) for x in np.rint(v)]
        if step is not None:
            # 0.1 * 3 is 0.30000000000000004: round to the decimals q has
            decimals = _decimals(step)
            return [round(float(x), decimals) for x in v]
        return [float(x) for x in v]

    def _cdf(self, v: np.ndarray) -> np.ndarray:
        from scipy import special  # type: ignore[import-untyped]

        if self.distribution in ("normal", "q_normal"):
            assert self.mu is not None
            assert self.sigma is not None
            return np.asarray(special.ndtr((v - self.mu) / self.sigma))
        if self.distribution in ("log_normal", "q_log_normal"):
            assert self.mu is not None
            assert self.sigma is not None
            z = (np.log(np.maximum(v, 1e-300)) - self.mu) / self.sigma
            return np.asarray(special.ndtr(z))
        assert self.a is not None
        assert self.b is not None
        return np.asarray(special.betainc(self.a, self.b, np.clip(v, 0.0, 1.0)))

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special

        if self.distribution in ("normal", "q_normal"):
            assert self.mu is not None
            assert self.sigma is not None
            return np.asarray(self.mu + self.sigma * special.ndtri(u))
        if self.distribution in ("log_normal", "q_log_normal"):
            assert self.mu is not None
            assert self.sigma is not None
            return np.asarray(np.exp(self.mu + self.sigma * special.ndtri(u)))
        assert self.a is not None
        assert self.b is not None
        return np.asarray(special.betaincinv(self.a, self.b, u))


def _decimals(step: float) -> int:
    text = repr(float(step))
    if "e" in text:
        mantissa, exp = text.split("e")
        frac = mantissa.split(".")[1] if "." in mantissa else ""
        return max(0, len(frac.rstrip("0")) - int(exp)) + 2
    frac = text.split(".")[1] if "." in text else ""
    return len(frac.rstrip("0")) + 2


@dataclass(frozen=True)
class Trial:
    """A point the sweep tried or is trying.

    ``params``: nested dict as handed out. ``value``: the metric as logged (not negated for
    maximize; strategies read the goal from the config), None while running or when never
    logged. ``state``: ``running`` (pending: strategies must not suggest it again),
    ``finished``, ``failed``, ``crashed``, ``killed`` (early-terminated runs are ``killed`` and
    may carry a value).
    """

    params: Mapping[str, Any]
    value: float | None = None
    state: str = "finished"


@runtime_checkable
class Strategy(Protocol):
    """What ``cairn.sweeps.strategy(config, seed)`` returns.

    ``suggest(trials, n)`` returns up to ``n`` new parameter dicts (nested, JSON-ready Python
    values), distinct from each other and from running trials. Fewer than ``n`` (possibly none)
    means the space is exhausted (grid). Deterministic for a given seed and input.
    """

    def suggest(self, trials: Sequence[Trial], n: int = 1) -> list[dict[str, Any]]: ...


class Space:
    """All dims of a sweep, sorted by dotted name; see the module docstring for the encoding."""

    def __init__(self, dims: Iterable[Dim]) -> None:
        self.dims: tuple[Dim, ...] = tuple(sorted(dims, key=lambda d: d.name))
        self.numeric: tuple[Dim, ...] = tuple(d for d in self.dims if d.kind in ("float", "int"))
        self.categorical: tuple[Dim, ...] = tuple(d for d in self.dims if d.kind == "categorical")
        self.constants: tuple[Dim, ...] = tuple(d for d in self.dims if d.kind == "constant")
        self.width: int = len(self.numeric) + sum(d.width for d in self.categorical)
        # (dim, choice index or None) per unit column
        cols: list[tuple[Dim, int | None]] = [(d, None) for d in self.numeric]
        for d in self.categorical:
            cols.extend((d, i) for i in range(d.width))
        self.columns: tuple[tuple[Dim, int | None], ...] = tuple(cols)

    @classmethod
    def from_config(cls, config: Any) -> Space:
        """The space of a config: a dict, YAML text, or a parsed ``SweepConfig``."""
        from cairn.sweeps.config import SweepConfig, parse_config

        parsed = config if isinstance(config, SweepConfig) else parse_config(config)
        return parsed.space

    def __iter__(self) -> Iterator[Dim]:
        return iter(self.dims)

    def __len__(self) -> int:
        return len(self.dims)

    def __repr__(self) -> str:
        return f"Space({[d.name for d in self.dims]})"

    # ---- sampling ------------------------------------------------------------------------

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[dict[str, Any]]:
        """``n`` independent draws from the config's distributions (probabilities honoured)."""
        return self.from_unit(self.sample_unit(rng, n))

    def sample_unit(self, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """``n`` prior draws in the unit encoding, shape (n, width); snapped to feasible points."""
        x = np.zeros((n, self.width))
        x[:, : len(self.numeric)] = rng.random((n, len(self.numeric)))
        col = len(self.numeric)
        for d in self.categorical:
            p = None if d.probabilities is None else np.asarray(d.probabilities, dtype=float)
            if p is not None:
                p = p / p.sum()
            idx = rng.choice(d.width, size=n, p=p)
            x[np.arange(n), col + idx] = 1.0
            col += d.width
        return self.snap_unit(x)

    # ---- encoding ------------------------------------------------------------------------

    def to_unit(self, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode one params dict (shape (width,)) or a list of them (shape (n, width)).

        Raises ``InvalidInputError`` when a dim is missing or a categorical value is not a choice.
        """
        if isinstance(params, Mapping):
            row: np.ndarray = self._encode([params])[0]
            return row
        return self._encode(list(params))

    def from_unit(self, x: np.ndarray) -> list[dict[str, Any]]:
        """Decode unit rows (shape (n, width) or (width,)) to nested params dicts."""
        arr = np.atleast_2d(np.asarray(x, dtype=float))
        if arr.shape[1] != self.width:
            raise ValueError(f"expected {self.width} columns, got {arr.shape[1]}")
        n = arr.shape[0]
        columns: dict[str, list[Any]] = {}
        for j, d in enumerate(self.numeric):
            columns[d.name] = d.snap(d.value_of(arr[:, j]))
        col = len(self.numeric)
        for d in self.categorical:
            idx = np.argmax(arr[:, col : col + d.width], axis=1)
            columns[d.name] = [d.choices[i] for i in idx]
            col += d.width
        out: list[dict[str, Any]] = []
        for i in range(n):
            flat: dict[tuple[str, ...], Any] = {d.path: d.value for d in self.constants}
            for d in self.numeric + self.categorical:
                flat[d.path] = columns[d.name][i]
            out.append(_nest(flat))
        return out

    def snap_unit(self, x: np.ndarray) -> np.ndarray:
        """The feasible unit points nearest ``x`` (ints and q rounded, one-hot made exact)."""
        snapped: np.ndarray = self.to_unit(self.from_unit(x))
        return snapped.reshape(np.atleast_2d(x).shape)

    def _encode(self, rows: list[Mapping[str, Any]]) -> np.ndarray:
        from cairn.errors import InvalidInputError

        x = np.zeros((len(rows), self.width))
        for j, d in enumerate(self.numeric):
            vals = [lookup(r, d) for r in rows]
            x[:, j] = d.unit_of(np.asarray(vals, dtype=float))
        col = len(self.numeric)
        for d in self.categorical:
            keys = [canonical(c) for c in d.choices]
            for i, r in enumerate(rows):
                k = canonical(lookup(r, d))
                if k not in keys:
                    raise InvalidInputError(
                        f"{d.name}: {lookup(r, d)!r} is not one of the values {list(d.choices)!r}"
                    )
                x[i, col + keys.index(k)] = 1.0
            col += d.width
        return x

    def key(self, params: Mapping[str, Any]) -> str:
        """A canonical string for a params dict, for "was this point tried already"."""
        return canonical({d.name: lookup(params, d) for d in self.dims if d.kind != "constant"})


def lookup(params: Mapping[str, Any], dim: Dim) -> Any:
    """The value of ``dim`` in nested ``params`` (a flat dotted key is accepted too)."""
    from cairn.errors import InvalidInputError

    node: Any = params
    for part in dim.path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            if dim.name in params:
                return params[dim.name]
            raise InvalidInputError(f"{dim.name}: missing from the trial's params")
    return node


def canonical(value: Any) -> str:
    """JSON with sorted keys; integral floats written as ints (1.0 and 1 are the same point)."""

    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, float | np.floating):
            f = float(v)
            return int(f) if f.is_integer() and abs(f) < 2**53 else f
        if isinstance(v, int | np.integer):
            return int(v)
        if isinstance(v, Mapping):
            return {str(k): norm(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), sort_keys=True, separators=(",", ":"), default=str)


def _nest(flat: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in sorted(flat.items()):
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out
