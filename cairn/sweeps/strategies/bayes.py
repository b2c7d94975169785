"""``method: bayes``: Gaussian-process Bayesian optimization.

* Model: a GP (Matérn-5/2, one lengthscale per unit column; see ``_gp``) on the unit encoding
  of the space, fit to the completed trials' values oriented to minimization, standardized and
  Yeo-Johnson power-transformed (a few huge values would otherwise flatten the rest, and the
  crowd near the best would read as noise).
  Hyperparameters: MAP over weak priors, L-BFGS-B from 2 starts, fit on at most ``_FIT_CAP``
  trials (the best third plus a seeded random rest) so a suggestion stays near 100 ms at 200
  trials on a small machine; the posterior then uses every trial.
* Acquisition: log expected improvement (stable where EI underflows), maximized over prior
  draws plus perturbations of the best trials, then refined by L-BFGS-B on the numeric columns
  with the categorical one-hots held; the winner is snapped to a feasible point.
* Pending (running) trials and the earlier points of one ``suggest(n > 1)`` call enter as
  kriging-believer fantasies (the posterior mean as their value), which lowers the uncertainty
  there and spreads the batch. Points are distinct from each other and from every tried point
  while the space allows (then from running ones only, as random search does).
* The first ``max(5, dims + 1)`` points come from a scrambled Sobol design.

Deterministic for a given seed and trial list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cairn.sweeps.config import SweepConfig
from cairn.sweeps.space import Space, Trial
from cairn.sweeps.strategies import _common as common

_FIT_CAP = 80
_N_RANDOM = 1000
_N_LOCAL = 400
_N_REFINE = 3
_REFINE_ITERS = 25
_START_AT_BEST = True
_YJ_LAMBDA = 4.0  # |lambda| beyond this only magnifies rounding in the transformed values
_FD = 1e-6


class BayesStrategy:
    """``method: bayes``."""

    def __init__(self, config: SweepConfig, seed: int | None = None) -> None:
        self.config = config
        self.space: Space = config.space
        self.seed = common.seed_of(seed)

    def suggest(self, trials: Sequence[Trial], n: int = 1) -> list[dict[str, Any]]:
        """Up to ``n`` points, distinct as the module docstring says."""
        space = self.space
        trivial = common.trivial_answer(space, trials, n)
        if trivial is not None:
            return trivial
        obs = common.observe(self.config, trials)
        rng = np.random.default_rng([self.seed, len(trials)])
        out: list[dict[str, Any]] = []
        chosen: set[str] = set()
        n_init = common.n_initial(space)
        gp = None
        best = 0.0
        if len(obs.y) >= n_init:
            gp, best = self._fit(obs, rng)
        design_at = len(trials)
        for _ in range(n):
            avoid = obs.tried | chosen
            pick = None
            if gp is None:
                rows = common.initial_design(space, self.seed, design_at, 1)
                design_at += 1
                pick = common.take_distinct(space, rows, avoid)
            else:
                pick = self._maximize(gp, best, obs, rng, avoid)
            if pick is None:
                pick = common.fallback(space, rng, avoid)
            if pick is None:  # a small discrete space is used up: repeat finished points
                pick = common.fallback(space, rng, obs.running | chosen)
            if pick is None:
                break
            row, point = pick
            chosen.add(space.key(point))
            out.append(point)
            if gp is not None:
                mean, _ = gp.predict(row[None, :])
                gp = gp.with_points(row[None, :], mean)
        return out

    def _fit(self, obs: common.Observed, rng: np.random.Generator) -> tuple[Any, float]:
        from cairn.sweeps.strategies import _gp

        y = _transform(obs.y)
        x = obs.x
        onehot = np.arange(self.space.width) >= len(self.space.numeric)
        if len(y) > _FIT_CAP:
            order = np.argsort(y, kind="stable")
            keep_best = order[: _FIT_CAP // 3]
            rest = rng.choice(order[_FIT_CAP // 3 :], _FIT_CAP - len(keep_best), replace=False)
            idx = np.sort(np.concatenate([keep_best, rest]))
            theta = _gp.fit_hypers(x[idx], y[idx], rng, categorical=onehot)
        else:
            theta = _gp.fit_hypers(x, y, rng, categorical=onehot)
        gp = _gp.GP(x, y, theta)
        if len(obs.pending):
            mean, _ = gp.predict(obs.pending)
            gp = gp.with_points(obs.pending, mean)
        return gp, float(y.min())

    def _maximize(
        self,
        gp: Any,
        best: float,
        obs: common.Observed,
        rng: np.random.Generator,
        avoid: set[str],
    ) -> tuple[np.ndarray, dict[str, Any]] | None:
        from scipy import optimize  # type: ignore[import-untyped]

        from cairn.sweeps.strategies import _gp

        space = self.space
        k = len(space.numeric)
        cands = [common.raw_candidates(space, rng, _N_RANDOM)]
        if len(obs.y) and k:
            top = obs.x[np.argsort(obs.y, kind="stable")[:5]]
            base = top[rng.integers(0, len(top), _N_LOCAL)]
            scale = rng.choice([0.01, 0.05, 0.15], size=(_N_LOCAL, 1))
            local = base.copy()
            local[:, :k] = np.clip(base[:, :k] + scale * rng.standard_normal((_N_LOCAL, k)), 0, 1)
            cands.append(local)
        xs = np.vstack(cands)

        def acq(rows: np.ndarray) -> np.ndarray:
            mean, std = gp.predict(rows)
            out: np.ndarray = _gp.log_ei(mean, std, best)
            return out

        scores = acq(xs)
        order = np.argsort(-scores, kind="stable")
        refined: list[np.ndarray] = []
        if k:
            starts = [xs[i] for i in order[:_N_REFINE]]
            if _START_AT_BEST and len(obs.y):
                # the incumbent too: late in a sweep the best step is often a small move from it
                starts.append(obs.x[int(np.argmin(obs.y))])
            for origin in starts:
                start = origin.copy()

                def f(u: np.ndarray, start: np.ndarray = start) -> tuple[float, np.ndarray]:
                    # value and forward-difference gradient from one batched prediction
                    rows = np.repeat(start[None, :], k + 1, axis=0)
                    rows[:, :k] = u
                    rows[np.arange(1, k + 1), np.arange(k)] += _FD
                    vals = -acq(rows)
                    return float(vals[0]), (vals[1:] - vals[0]) / _FD

                res = optimize.minimize(
                    f,
                    start[:k],
                    jac=True,
                    method="L-BFGS-B",
                    bounds=[(0.0, 1.0)] * k,
                    options={"maxiter": _REFINE_ITERS},
                )
                row = start.copy()
                row[:k] = np.clip(res.x, 0.0, 1.0)
                refined.append(row)
        pool = np.vstack([np.asarray(refined).reshape(-1, space.width), xs[order[:64]]])
        snapped = space.snap_unit(pool)
        ranked = snapped[np.argsort(-acq(snapped), kind="stable")]
        return common.take_distinct(space, ranked, avoid)


def _transform(y: np.ndarray) -> np.ndarray:
    """Standardize, Yeo-Johnson power-transform (lambda by maximum likelihood), standardize.

    Loss surfaces are skewed: a few very bad values and a crowd near the best. The power
    transform spreads out the crowd, so the GP can tell apart values that differ in the fourth
    digit near the optimum instead of reading them as noise (as HEBO does for the same reason).
    """
    from scipy import stats

    with np.errstate(all="ignore"):
        z = _standardize(y)
        if not (np.isfinite(z).all() and np.isfinite(float(y.std()))):
            # values near the float limits overflow the moments: keep their order instead
            z = _standardize(np.argsort(np.argsort(y, kind="stable"), kind="stable").astype(float))
        if len(z) < 3 or float(z.std()) == 0.0:
            return z
        try:
            lmbda = float(np.clip(stats.yeojohnson_normmax(z), -_YJ_LAMBDA, _YJ_LAMBDA))
            w = np.asarray(stats.yeojohnson(z, lmbda), dtype=float)
        except (ValueError, FloatingPointError, OverflowError):
            return z
    return _standardize(w) if np.isfinite(w).all() else z


def _standardize(y: np.ndarray) -> np.ndarray:
    sd = float(y.std())
    out: np.ndarray = (y - float(y.mean())) / (sd if sd > 0 else 1.0)
    return out
