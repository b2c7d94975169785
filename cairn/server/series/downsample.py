"""Bucketing a series over an x range: pure functions on numpy arrays.

Points and block summaries both become *partials* (per-bucket pieces: min, max, sum, sum of
squared deviations from the piece's own mean, counts, smallest x and a candidate last value);
:func:`reduce_partials` folds the pieces of each bucket.
Buckets are uniform over ``[x_min, x_max]``; bucket ``i`` covers
``[x_min + i * width, x_min + (i + 1) * width)``, the last one closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cairn.server.series.codec import F64, I64


@dataclass(frozen=True, slots=True)
class Partials:
    """Per-bucket pieces of a window; each array has one entry per piece."""

    bucket: I64
    x: F64
    vmin: F64
    vmax: F64
    vsum: F64
    m2: F64
    n: I64
    n_finite: I64
    last: F64
    last_x: F64
    last_order: I64


@dataclass(frozen=True, slots=True)
class Buckets:
    """Folded buckets, only the non-empty ones, in x order."""

    x: F64
    min: F64
    max: F64
    mean: F64
    std: F64
    last: F64
    count: I64


def bucket_width(x_min: float, x_max: float, buckets: int) -> float:
    """Width of one of ``buckets`` equal buckets (a zero range is one point wide)."""
    return (x_max - x_min) / buckets if x_max > x_min else 1.0


def bucket_of(x: F64, x_min: float, width: float, buckets: int) -> I64:
    """The bucket index of each x (clipped into range)."""
    index = np.floor((x - x_min) / width).astype(np.int64)
    return np.clip(index, 0, buckets - 1)


def point_partials(
    x: F64, values: F64, order: I64, x_min: float, width: float, buckets: int
) -> Partials:
    """Each point as a piece of its bucket; ``order`` ranks points by arrival."""
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    return Partials(
        bucket=bucket_of(x, x_min, width, buckets),
        x=x.astype(np.float64, copy=False),
        vmin=np.where(finite, values, np.inf),
        vmax=np.where(finite, values, -np.inf),
        vsum=clean,
        m2=np.zeros(len(values), np.float64),
        n=np.ones(len(values), np.int64),
        n_finite=finite.astype(np.int64),
        last=values,
        last_x=x.astype(np.float64, copy=False),
        last_order=order,
    )


def block_partials(
    blocks: npt.NDArray[Any], axis: str, order: I64, x_min: float, width: float, buckets: int
) -> Partials:
    """Each block as one piece of the bucket holding its middle x.

    The caller passes only blocks that lie inside the window and whose x span fits in one
    bucket, so a block's points all belong to that bucket or its neighbour: edges are off by at
    most one block.
    """
    lo = blocks[f"{axis}_min"].astype(np.float64)
    hi = blocks[f"{axis}_max"].astype(np.float64)
    empty = blocks["n_finite"] == 0
    return Partials(
        bucket=bucket_of((lo + hi) / 2, x_min, width, buckets),
        x=lo,
        vmin=np.where(empty, np.inf, blocks["vmin"]),
        vmax=np.where(empty, -np.inf, blocks["vmax"]),
        vsum=blocks["vsum"].astype(np.float64),
        m2=block_m2(blocks),
        n=blocks["n"].astype(np.int64),
        n_finite=blocks["n_finite"].astype(np.int64),
        last=blocks["vlast"].astype(np.float64),
        last_x=hi,
        last_order=order,
    )


def block_m2(blocks: npt.NDArray[Any]) -> F64:
    """Each block's sum of squared deviations from its mean, from its raw sum and sum of squares.

    ``sumsq - sum**2 / n`` cancels when the values sit far from zero compared with their spread
    (its error is about 1e-16 * n * mean**2), so it is clamped into what the block's range allows:
    0 ≤ M2 ≤ n * (max - min)**2 / 4 (Popoviciu). A block of equal values gets exactly 0.
    """
    n = blocks["n_finite"].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m2: F64 = blocks["vsum"] * blocks["vsum"]
        m2 /= np.maximum(n, 1.0)
        np.subtract(blocks["vsumsq"], m2, out=m2)
        np.maximum(m2, 0.0, out=m2)
        bound = blocks["vmax"] - blocks["vmin"]  # NaN for a block without finite values
        bound *= bound
        bound *= n / 4
        # fmin ignores the NaN bound of an empty block, whose sums are 0 (so is its M2).
        np.fmin(m2, bound, out=m2)
    return m2


def usable_blocks(
    lo: F64, hi: F64, x_min: float, x_max: float, width: float
) -> npt.NDArray[np.bool_]:
    """Which blocks (x spans ``[lo, hi]``) may stand for their points in a bucketed read.

    A block qualifies when it lies inside the window and its span fits in one bucket width; the
    caller decodes the points of the blocks that overlap the window without qualifying.
    """
    return (lo >= x_min) & (hi <= x_max) & ((hi - lo) <= width)


def _concat(parts: list[Partials]) -> Partials:
    if len(parts) == 1:
        return parts[0]
    return Partials(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in Partials.__slots__)
    )


def reduce_partials(parts: list[Partials]) -> Buckets:
    """Fold the pieces of each bucket: min/max/mean/std of finite values, count, last value."""
    parts = [p for p in parts if len(p.bucket)]
    if not parts:
        empty = np.empty(0, np.float64)
        return Buckets(empty, empty, empty, empty, empty, empty, np.empty(0, np.int64))
    cat = _concat(parts)
    # Sort by bucket, then by (x, arrival) inside a bucket: the last piece holds the last value.
    sort = np.lexsort((cat.last_order, cat.last_x, cat.bucket))
    if not bool(np.all(sort[1:] > sort[:-1])):
        # Pieces usually arrive in order already (monotone series); gather only when not.
        cat = Partials(*(getattr(cat, name)[sort] for name in Partials.__slots__))
    starts = np.flatnonzero(np.diff(cat.bucket, prepend=np.int64(-1)))
    ends = np.append(starts[1:], len(cat.bucket)) - 1
    n_finite = np.add.reduceat(cat.n_finite, starts)
    vsum = np.add.reduceat(cat.vsum, starts)
    none = n_finite == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(none, np.nan, vsum / np.maximum(n_finite, 1))
    return Buckets(
        x=np.minimum.reduceat(cat.x, starts),
        min=np.where(none, np.nan, np.minimum.reduceat(cat.vmin, starts)),
        max=np.where(none, np.nan, np.maximum.reduceat(cat.vmax, starts)),
        mean=mean,
        std=_std(cat, starts, ends, mean, n_finite),
        last=cat.last[ends],
        count=np.add.reduceat(cat.n, starts),
    )


def _std(cat: Partials, starts: I64, ends: I64, mean: F64, n_finite: I64) -> F64:
    """Population std of each bucket's finite values, NaN for a bucket without one.

    Pieces combine by Chan et al.'s parallel formula, M2 = sum(M2_i + n_i * (mean_i - mean)^2),
    never by ``sumsq / n - mean^2``: for values around 1e6 that differ by ~1 the latter loses
    every digit, while deviations from the bucket mean keep them (points are the two-pass
    formula; blocks keep what their stored sums allow, see :func:`block_m2`).
    """
    piece_n = cat.n_finite.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        deviation = cat.vsum / np.maximum(piece_n, 1.0)
        deviation -= np.repeat(mean, ends - starts + 1)
        # Weighted before squaring, so a piece without finite values adds exactly 0 (NaN only
        # where its bucket has no finite value, and so a NaN std, anyway).
        spread = deviation * piece_n
        spread *= deviation
        spread += cat.m2
        m2 = np.add.reduceat(spread, starts)
        m2 /= np.maximum(n_finite, 1)
        std = np.sqrt(m2, out=m2)
    std[n_finite == 0] = np.nan
    return std
