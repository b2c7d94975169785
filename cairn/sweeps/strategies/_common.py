"""What the model-based strategies (bayes, tpe) share: reading trials into oriented arrays,
the initial design, and picking distinct points.

Values are oriented so that lower is better (a ``maximize`` metric is negated). A trial without a
value (failed, crashed, never logged) is ignored by the models but still counts as tried; a
non-finite value (NaN, ±inf) is read as the worst finite value seen, so the model learns to avoid
that region without its scale blowing up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cairn.sweeps.config import SweepConfig
from cairn.sweeps.space import Space, Trial


@dataclass
class Observed:
    """Trials in the unit encoding: completed ``x``/``y`` (lower is better), ``pending`` rows."""

    x: np.ndarray
    y: np.ndarray
    pending: np.ndarray
    tried: set[str]
    running: set[str]


def observe(config: SweepConfig, trials: Sequence[Trial]) -> Observed:
    """Split ``trials`` into completed (with a value) and pending, oriented to minimization."""
    space = config.space
    sign = -1.0 if config.metric is not None and config.metric.goal == "maximize" else 1.0
    xs: list[Any] = []
    ys: list[float] = []
    pend: list[Any] = []
    tried: set[str] = set()
    running: set[str] = set()
    for t in trials:
        tried.add(space.key(t.params))
        if t.state == "running":
            running.add(space.key(t.params))
            pend.append(t.params)
        elif t.value is not None:
            xs.append(t.params)
            ys.append(sign * float(t.value))
    y = np.asarray(ys, dtype=float)
    finite = np.isfinite(y)
    if len(y) and not finite.all():
        # NaN and ±inf (after orientation, -inf would be "infinitely good": not trusted either)
        worst = float(y[finite].max()) if finite.any() else 0.0
        y = np.where(finite, y, worst)
    x = space.to_unit(xs) if xs else np.zeros((0, space.width))
    pending = space.to_unit(pend) if pend else np.zeros((0, space.width))
    return Observed(x=x, y=y, pending=pending, tried=tried, running=running)


def n_initial(space: Space) -> int:
    """Points drawn from the initial design before a model is fit: max(5, dims + 1)."""
    dims = len(space.numeric) + len(space.categorical)
    return max(5, dims + 1)


def initial_design(space: Space, seed: int, start: int, n: int) -> np.ndarray:
    """Rows ``start .. start+n-1`` of a scrambled Sobol design (numeric dims; categoricals drawn
    from their prior), snapped: the same seed gives the same design whatever is asked when."""
    from scipy.stats import qmc  # type: ignore[import-untyped]

    rng = np.random.default_rng([seed, 0x50B])
    x = space.sample_unit(rng, start + n)
    k = len(space.numeric)
    if k:
        m = max(1, math.ceil(math.log2(start + n)))
        sob = qmc.Sobol(d=k, scramble=True, seed=np.random.default_rng([seed, 0x50C]))
        x[:, :k] = sob.random_base2(m)[: start + n]
    snapped: np.ndarray = space.snap_unit(x[start:])
    return snapped


def take_distinct(
    space: Space,
    ranked: np.ndarray,
    avoid: set[str],
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """The first row of ``ranked`` (best first) whose snapped point is not in ``avoid``."""
    if len(ranked) == 0:
        return None
    points = space.from_unit(ranked)
    for p in points:
        if space.key(p) not in avoid:
            return space.to_unit(p), p
    return None


def raw_candidates(space: Space, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` prior-like unit rows, not snapped (uniform numeric columns, one-hot categoricals
    drawn by their probabilities): cheap candidates, snapped only once they are chosen."""
    x = np.zeros((n, space.width))
    k = len(space.numeric)
    x[:, :k] = rng.random((n, k))
    col = k
    for d in space.categorical:
        p = None if d.probabilities is None else np.asarray(d.probabilities, dtype=float)
        idx = rng.choice(d.width, size=n, p=None if p is None else p / p.sum())
        x[np.arange(n), col + idx] = 1.0
        col += d.width
    return x


def fallback(
    space: Space, rng: np.random.Generator, avoid: set[str], tries: int = 256
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """A random prior draw not in ``avoid`` (None when a small discrete space has run out)."""
    return take_distinct(space, space.sample_unit(rng, tries), avoid)


def seed_of(seed: int | None) -> int:
    """``seed``, or fresh OS entropy when None."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    return int(seed)


def trivial_answer(space: Space, trials: Sequence[Trial], n: int) -> list[dict[str, Any]] | None:
    """The answer when there is nothing to model: no points asked, or a space of constants only
    (its one point, once); None otherwise."""
    if n <= 0:
        return []
    if space.width == 0:
        return [space.from_unit(np.zeros((1, 0)))[0]][:n] if not trials else []
    return None
