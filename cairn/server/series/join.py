"""Plotting one series against another (x = any logged key): pure joins on step.

Both series are read over the same step range with the same buckets, so bucket ``i`` of one
covers the same steps as bucket ``i`` of the other. Exact windows join point by point on the step
(the x key's last value logged at that step); bucketed windows join bucket by bucket, the x of a
bucket being the mean of the x key over it.
"""

from __future__ import annotations

import numpy as np

from cairn.server.series.downsample import bucket_of, bucket_width
from cairn.server.store.base import SeriesWindow


def empty() -> SeriesWindow:
    """A window with no points."""
    none = np.empty(0, np.float64)
    return SeriesWindow("exact", none, none, none, none, none, np.empty(0, np.int64), 0, none)


def _last_at_step(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique steps and the last value at each (inputs in (step, arrival) order)."""
    if len(steps) == 0:
        return steps, values
    last = np.append(steps[1:] != steps[:-1], True)
    return steps[last], values[last]


def join_on_step(
    y: SeriesWindow, x: SeriesWindow, step_lo: float, step_hi: float, buckets: int
) -> SeriesWindow:
    """``y`` re-indexed by the values of ``x`` at the same steps (or in the same buckets)."""
    if y.mode == "exact" and x.mode == "exact":
        x_steps, x_values = _last_at_step(x.x, x.last)
        if len(x_steps) == 0:
            return empty()
        index = np.clip(np.searchsorted(x_steps, y.x), 0, len(x_steps) - 1)
        found = x_steps[index] == y.x
        xs = x_values[index[found]]
        ys = y.last[found]
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        n = len(ys)
        return SeriesWindow("exact", xs, ys, ys, ys, ys, np.ones(n, np.int64), n, np.zeros(n))
    width = bucket_width(step_lo, step_hi, buckets)
    y_bucket = bucket_of(y.x, step_lo, width, buckets)
    x_bucket = bucket_of(x.x, step_lo, width, buckets)
    has_x = np.isfinite(x.mean)
    x_by_bucket = dict(zip(x_bucket[has_x].tolist(), x.mean[has_x].tolist(), strict=True))
    keep = np.array([b in x_by_bucket for b in y_bucket.tolist()], dtype=bool)
    xs = np.array([x_by_bucket[b] for b in y_bucket[keep].tolist()], dtype=np.float64)
    order = np.argsort(xs, kind="stable")
    pick = np.flatnonzero(keep)[order]
    return SeriesWindow(
        "buckets",
        xs[order],
        y.min[pick],
        y.max[pick],
        y.mean[pick],
        y.last[pick],
        y.count[pick],
        int(y.count[pick].sum()),
        y.std[pick],
    )


def within(window: SeriesWindow, x_min: float | None, x_max: float | None) -> SeriesWindow:
    """The part of a joined window whose x lies in ``[x_min, x_max]``."""
    keep = np.ones(len(window.x), dtype=bool)
    if x_min is not None:
        keep &= window.x >= x_min
    if x_max is not None:
        keep &= window.x <= x_max
    return SeriesWindow(
        window.mode,
        window.x[keep],
        window.min[keep],
        window.max[keep],
        window.mean[keep],
        window.last[keep],
        window.count[keep],
        int(window.count[keep].sum()),
        window.std[keep],
    )
