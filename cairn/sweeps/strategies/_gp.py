"""A small Gaussian process for ``method: bayes``: Matérn-5/2 ARD kernel, type-II ML fit, log-EI.

Inputs are unit-cube rows (:meth:`cairn.sweeps.space.Space.to_unit`), outputs are already
standardized by the caller (minimization). Hyperparameters live in log space
``theta = [log lengthscale_1..d, log signal variance, log noise variance]`` and are fit by
maximizing the log marginal likelihood plus weak log-normal priors (which keep the fit away from
degenerate lengthscales on few points) with L-BFGS-B inside fixed bounds, from a few starts.
numpy + scipy only; scipy is imported here, never by ``import cairn``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special  # type: ignore[import-untyped]

_SQRT5 = math.sqrt(5.0)
# bounds in log space: lengthscales [0.01, 20] (unit cube), variance [0.05, 20], noise [1e-6, 0.5]
_LS_BOUNDS = (math.log(0.01), math.log(20.0))
_VAR_BOUNDS = (math.log(0.05), math.log(20.0))
_NOISE_BOUNDS = (math.log(1e-6), math.log(0.5))
# weak priors: log lengthscale ~ N(log 0.5, 1.5²) (one-hot columns: N(log 2, 1.5²)),
# log variance ~ N(0, 1.5²),
# log noise ~ N(log 1e-6, 3²): the bench problems and most losses are deterministic, and a
# larger noise floor hides the fourth-digit differences that matter near the optimum
_LS_PRIOR = (math.log(0.5), 1.5)
_CAT_LS_PRIOR_MU = math.log(2.0)  # one-hot columns: categories share most of their trend
_VAR_PRIOR = (0.0, 1.5)
_NOISE_PRIOR = (math.log(1e-6), 3.0)
_JITTER = 1e-8


def matern52(x1: np.ndarray, x2: np.ndarray, ls: np.ndarray, var: float) -> np.ndarray:
    """k(x1, x2) for rows of ``x1`` (n, d) and ``x2`` (m, d): shape (n, m)."""
    a = x1 / ls
    b = x2 / ls
    sq = np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)
    r = np.sqrt(sq)
    out: np.ndarray = var * (1.0 + _SQRT5 * r + (5.0 / 3.0) * sq) * np.exp(-_SQRT5 * r)
    return out


def _prior(theta: np.ndarray, ls_mu: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log prior (up to a constant) and its gradient; ``ls_mu``: per-column modes."""
    mu = np.concatenate([ls_mu, [_VAR_PRIOR[0], _NOISE_PRIOR[0]]])
    sd = np.concatenate([np.full(len(ls_mu), _LS_PRIOR[1]), [_VAR_PRIOR[1], _NOISE_PRIOR[1]]])
    z = (theta - mu) / sd
    return 0.5 * float(z @ z), z / sd


def lengthscale_modes(categorical: np.ndarray) -> np.ndarray:
    """The prior mode of each column's log lengthscale: one-hot columns get their own."""
    return np.where(categorical, _CAT_LS_PRIOR_MU, _LS_PRIOR[0])


def neg_log_posterior(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, ls_mu: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood + prior of ``theta`` and its gradient (analytic).

    ``ls_mu``: the lengthscales' prior modes (log), one per column; default all ``_LS_PRIOR``'s.
    """
    n, d = x.shape
    ls = np.exp(theta[:d])
    var = math.exp(theta[d])
    noise = math.exp(theta[d + 1])
    a = x / ls
    a2 = (a * a).sum(1)
    sq = np.maximum(a2[:, None] + a2[None, :] - 2.0 * a @ a.T, 0.0)
    r = np.sqrt(sq)
    e = np.exp(-_SQRT5 * r)
    k = var * (1.0 + _SQRT5 * r + (5.0 / 3.0) * sq) * e
    kn = k + (noise + _JITTER) * np.eye(n)
    try:
        chol = linalg.cholesky(kn, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = linalg.cho_solve((chol, True), y, check_finite=False)
    logdet = float(np.log(np.diag(chol)).sum())
    nll = 0.5 * float(y @ alpha) + logdet + 0.5 * n * math.log(2 * math.pi)
    kinv = linalg.cho_solve((chol, True), np.eye(n), check_finite=False)
    w = np.outer(alpha, alpha) - kinv  # d nll / dK = -0.5 * w
    grad = np.empty_like(theta)
    # dK/dlog ls_j = var * 5/3 * (1 + sqrt5 r) e^{-sqrt5 r} * (a_ij - a_kj)^2, and for symmetric
    # M: sum_ik M_ik (a_ij - a_kj)^2 = 2 sum_i a_ij^2 rowsum(M)_i - 2 (a^T M a)_jj
    m = w * (var * (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e)
    per_dim = 2.0 * (m.sum(1) @ (a * a)) - 2.0 * np.einsum("ij,ij->j", a, m @ a)
    grad[:d] = -0.5 * per_dim
    grad[d] = -0.5 * float((w * k).sum())
    grad[d + 1] = -0.5 * float(np.trace(w)) * noise
    pen, pgrad = _prior(theta, np.full(d, _LS_PRIOR[0]) if ls_mu is None else ls_mu)
    return nll + pen, grad + pgrad


def fit_hypers(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    restarts: int = 2,
    maxiter: int = 60,
    categorical: np.ndarray | None = None,
) -> np.ndarray:
    """The MAP ``theta`` over ``restarts`` L-BFGS-B starts (the prior mode first, then random).

    ``categorical``: a boolean per column, true for one-hot columns (their own lengthscale
    prior); default none.
    """
    d = x.shape[1]
    ls_mu = lengthscale_modes(np.zeros(d, bool) if categorical is None else categorical)
    bounds = [_LS_BOUNDS] * d + [_VAR_BOUNDS, _NOISE_BOUNDS]
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    starts = [np.concatenate([ls_mu, [0.0, math.log(1e-3)]])]
    for _ in range(max(0, restarts - 1)):
        starts.append(lo + rng.random(d + 2) * (hi - lo))
    best_theta, best_f = starts[0], math.inf
    for s in starts:
        res = optimize.minimize(
            neg_log_posterior,
            s,
            args=(x, y, ls_mu),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": maxiter},
        )
        if np.isfinite(res.fun) and res.fun < best_f:
            best_theta, best_f = np.asarray(res.x), float(res.fun)
    clipped: np.ndarray = np.clip(best_theta, lo, hi)
    return clipped


@dataclass
class GP:
    """A conditioned GP: ``predict`` gives the posterior mean and standard deviation."""

    x: np.ndarray
    y: np.ndarray
    theta: np.ndarray

    def __post_init__(self) -> None:
        d = self.x.shape[1]
        self.ls = np.exp(self.theta[:d])
        self.var = math.exp(self.theta[d])
        self.noise = math.exp(self.theta[d + 1])
        k = matern52(self.x, self.x, self.ls, self.var)
        k[np.diag_indices_from(k)] += self.noise + _JITTER
        self.chol = linalg.cholesky(k, lower=True, check_finite=False)
        self.alpha = linalg.cho_solve((self.chol, True), self.y, check_finite=False)

    def predict(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation (latent, without noise) at rows ``xs``."""
        ks = matern52(xs, self.x, self.ls, self.var)
        mean = ks @ self.alpha
        v = linalg.solve_triangular(self.chol, ks.T, lower=True, check_finite=False)
        var = np.maximum(self.var - (v * v).sum(0), 1e-12)
        return mean, np.sqrt(var)

    def with_points(self, xs: np.ndarray, ys: np.ndarray) -> GP:
        """The same hyperparameters conditioned on extra observations (fantasies)."""
        return GP(np.vstack([self.x, xs]), np.concatenate([self.y, ys]), self.theta)


_C1 = 0.5 * math.log(2 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2)


def log_h(z: np.ndarray) -> np.ndarray:
    """log(z·Φ(z) + φ(z)), accurate for very negative z (where EI underflows)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    mid = z > -1.0
    zm = z[mid]
    out[mid] = np.log(zm * special.ndtr(zm) + np.exp(-0.5 * zm * zm - _C1))
    neg = ~mid
    zn = z[neg]
    far = zn < -1e6
    # h(z) = φ(z) (1 - |z| erfcx(|z|/√2) √(π/2)) for z < 0; log1mexp keeps the difference exact
    inner = np.log(special.erfcx(-zn / math.sqrt(2)) * np.abs(zn)) + _C2
    near_val = -0.5 * zn * zn - _C1 + _log1mexp(np.minimum(inner, -1e-300))
    out[neg] = np.where(far, -0.5 * zn * zn - _C1 - 2 * np.log(np.abs(zn)), near_val)
    return out


def _log1mexp(a: np.ndarray) -> np.ndarray:
    """log(1 - exp(a)) for a < 0."""
    with np.errstate(divide="ignore", invalid="ignore"):  # np.where evaluates both branches
        out: np.ndarray = np.where(a > -math.log(2), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """log expected improvement below ``best`` (minimization)."""
    z = (best - mean) / std
    out: np.ndarray = log_h(z) + np.log(std)
    return out
