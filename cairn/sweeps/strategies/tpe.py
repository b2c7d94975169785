"""``method: tpe`` (a cairn extension): multivariate Tree-structured Parzen Estimator, as Optuna's.

* The completed trials (values oriented to minimization; see ``_common``) are split into the
  best ``gamma(n) = min(ceil(0.1 n), 25)`` ("good") and the rest ("bad"). Running trials and
  the earlier points of one ``suggest(n > 1)`` call join the bad group: the model then steers
  away from what is already being tried.
* Each group is a Parzen mixture in the unit encoding: one component per trial plus one prior
  component (centre 0.5, width 1); numeric columns are Gaussians truncated to [0, 1] whose
  width per dim is the distance to the farther sorted neighbour (Optuna's rule, the outermost
  ones ignoring the cube's edges), clipped to [1/min(100, n+2), 1]; each categorical puts most
  of its mass on the trial's choice (weighted counts, smoothed by the prior). Components are
  joint over all dims (multivariate, the default) or, with ``multivariate=False``, one
  independent mixture per dim. Older trials are down-weighted past 25 (Optuna's ramp).
* 24 candidates are drawn from the good mixture and the one maximizing
  ``log l(x) - log g(x)`` is taken, snapped to a feasible point, distinct from every tried point
  while the space allows (more candidates, then a random draw, then repeats of finished ones).
* The first 10 points (or max(5, dims + 1) if larger) come from a scrambled Sobol design.

Deterministic for a given seed and trial list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cairn.sweeps.config import SweepConfig
from cairn.sweeps.space import Space, Trial
from cairn.sweeps.strategies import _common as common

_N_CANDIDATES = 24
_PRIOR_WEIGHT = 1.0
# a categorical component keeps this much mass off its own choice (spread by the prior)
_CAT_SMOOTH = 0.2


def gamma(n: int) -> int:
    """Size of the good group among ``n`` completed trials (Optuna's default)."""
    return min(math.ceil(0.1 * n), 25)


def _weights(n: int) -> np.ndarray:
    """Per-trial weights, oldest first: flat up to 25, then a ramp for the older ones."""
    if n < 25:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - 25), np.ones(25)])


@dataclass
class Parzen:
    """A mixture over the unit encoding: numeric truncated Gaussians and categorical tables."""

    space: Space
    mus: np.ndarray  # (m, k) numeric centres
    sigmas: np.ndarray  # (m, k)
    cats: list[np.ndarray]  # per categorical dim: (m, width) probabilities
    logw: np.ndarray  # (m,) log mixture weights
    joint: bool = True  # multivariate (one component for all dims) or one mixture per dim

    @classmethod
    def build(cls, space: Space, x: np.ndarray, w: np.ndarray, joint: bool = True) -> Parzen:
        """The mixture of rows ``x`` (unit encoding) with weights ``w``, plus the prior."""
        k = len(space.numeric)
        n = len(x)
        mus = np.vstack([x[:, :k], np.full((1, k), 0.5)])
        # Optuna's bandwidths: per dim, the farther neighbour's distance, at least range/(n+2)
        floor = 1.0 / min(100, n + 2)
        sig = np.clip(_neighbour_bandwidths(x[:, :k]), floor, 1.0) if n else np.zeros((0, k))
        sigmas = np.vstack([sig, np.ones((1, k))])
        cats: list[np.ndarray] = []
        col = k
        for d in space.categorical:
            prior = (
                np.full(d.width, 1.0 / d.width)
                if d.probabilities is None
                else np.asarray(d.probabilities, dtype=float) / sum(d.probabilities)
            )
            onehot = x[:, col : col + d.width]
            table = (1.0 - _CAT_SMOOTH) * onehot + _CAT_SMOOTH * prior[None, :]
            cats.append(np.vstack([table, prior[None, :]]))
            col += d.width
        weights = np.concatenate([w, [_PRIOR_WEIGHT]])
        return cls(space, mus, sigmas, cats, np.log(weights / weights.sum()), joint)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` unit rows drawn from the mixture (not snapped)."""
        from scipy import special  # type: ignore[import-untyped]

        k = self.mus.shape[1]
        n_cols = 1 if self.joint else k + len(self.cats)
        comps = rng.choice(len(self.logw), size=(n, max(n_cols, 1)), p=np.exp(self.logw))
        comp = comps[:, 0]
        out = np.zeros((n, self.space.width))
        if k:
            idx_k = comps[:, :1] if self.joint else comps[:, :k]
            mu = self.mus[idx_k, np.arange(k)[None, :]] if not self.joint else self.mus[comp]
            sd = self.sigmas[idx_k, np.arange(k)[None, :]] if not self.joint else self.sigmas[comp]
            lo = special.ndtr((0.0 - mu) / sd)
            hi = special.ndtr((1.0 - mu) / sd)
            u = lo + rng.random((n, k)) * (hi - lo)
            out[:, :k] = np.clip(mu + sd * special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)), 0, 1)
        col = k
        for j, table in enumerate(self.cats):
            p = table[comp if self.joint else comps[:, k + j]]
            cum = np.cumsum(p, axis=1)
            idx = np.minimum((rng.random((n, 1)) * cum[:, -1:] > cum).sum(1), p.shape[1] - 1)
            out[np.arange(n), col + idx] = 1.0
            col += p.shape[1]
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density of unit rows ``x`` under the mixture."""
        from scipy import special

        k = self.mus.shape[1]
        parts = []  # (n, m, columns) log kernel values
        if k:
            mu, sd = self.mus[None, :, :], self.sigmas[None, :, :]
            z = (x[:, None, :k] - mu) / sd
            log_norm = np.log(special.ndtr((1.0 - mu) / sd) - special.ndtr(-mu / sd) + 1e-300)
            parts.append(-0.5 * z * z - np.log(sd) - 0.5 * math.log(2 * math.pi) - log_norm)
        col = k
        for table in self.cats:
            width = table.shape[1]
            idx = np.argmax(x[:, col : col + width], axis=1)
            parts.append(np.log(table[:, idx].T)[:, :, None])
            col += width
        kern = np.concatenate(parts, axis=2)
        logw = self.logw[None, :]
        if self.joint:
            out: np.ndarray = special.logsumexp(logw + kern.sum(-1), axis=1)
            return out
        per_dim = special.logsumexp(logw[:, :, None] + kern, axis=1)  # (n, columns)
        summed: np.ndarray = per_dim.sum(-1)
        return summed


def _neighbour_bandwidths(mus: np.ndarray) -> np.ndarray:
    """Per dim, each centre's distance to its farther sorted neighbour (Optuna's univariate
    rule; the cube's edges are the outer neighbours)."""
    m, k = mus.shape
    out = np.empty_like(mus)
    for j in range(k):
        order = np.argsort(mus[:, j], kind="stable")
        s = np.concatenate([[0.0], mus[order, j], [1.0]])
        gaps = np.maximum(s[1:-1] - s[:-2], s[2:] - s[1:-1])
        if m >= 2:  # the outermost centres ignore the cube's edges (Optuna's consider_endpoints)
            gaps[0] = s[2] - s[1]
            gaps[-1] = s[-2] - s[-3]
        out[order, j] = gaps
    return out


class TPEStrategy:
    """``method: tpe``."""

    def __init__(
        self, config: SweepConfig, seed: int | None = None, multivariate: bool = True
    ) -> None:
        self.config = config
        self.space: Space = config.space
        self.seed = common.seed_of(seed)
        # joint kernels over all dims (default) or one independent mixture per dim
        self.multivariate = multivariate

    def suggest(self, trials: Sequence[Trial], n: int = 1) -> list[dict[str, Any]]:
        """Up to ``n`` points, distinct as the module docstring says."""
        space = self.space
        trivial = common.trivial_answer(space, trials, n)
        if trivial is not None:
            return trivial
        obs = common.observe(self.config, trials)
        rng = np.random.default_rng([self.seed, len(trials)])
        n_init = max(10, common.n_initial(space))
        out: list[dict[str, Any]] = []
        chosen: set[str] = set()
        extra_bad: list[np.ndarray] = [obs.pending]
        design_at = len(trials)
        for _ in range(n):
            avoid = obs.tried | chosen
            pick = None
            if len(obs.y) < n_init:
                rows = common.initial_design(space, self.seed, design_at, 1)
                design_at += 1
                pick = common.take_distinct(space, rows, avoid)
            else:
                pick = self._propose(obs, np.vstack(extra_bad), rng, avoid)
            if pick is None:
                pick = common.fallback(space, rng, avoid)
            if pick is None:  # a small discrete space is used up: repeat finished points
                pick = common.fallback(space, rng, obs.running | chosen)
            if pick is None:
                break
            row, point = pick
            chosen.add(space.key(point))
            out.append(point)
            extra_bad.append(row[None, :])
        return out

    def _propose(
        self,
        obs: common.Observed,
        pending: np.ndarray,
        rng: np.random.Generator,
        avoid: set[str],
    ) -> tuple[np.ndarray, dict[str, Any]] | None:
        space = self.space
        order = np.argsort(obs.y, kind="stable")
        n_good = gamma(len(obs.y))
        w_all = _weights(len(obs.y))  # by trial age (list order)
        good, bad = order[:n_good], order[n_good:]
        joint = self.multivariate
        below = Parzen.build(space, obs.x[good], w_all[good], joint)
        bad_x = np.vstack([obs.x[bad], pending])
        bad_w = np.concatenate([w_all[bad], np.ones(len(pending))])
        above = Parzen.build(space, bad_x, bad_w, joint)
        for count in (_N_CANDIDATES, _N_CANDIDATES * 10):
            cands = space.snap_unit(below.sample(rng, count))
            score = below.log_pdf(cands) - above.log_pdf(cands)
            ranked = cands[np.argsort(-score, kind="stable")]
            pick = common.take_distinct(space, ranked, avoid)
            if pick is not None:
                return pick
        return None
