"""Bucketing: folded partials equal brute force over the points."""

from __future__ import annotations

import numpy as np

from cairn.server.series import codec
from cairn.server.series.codec import Points
from cairn.server.series.downsample import (
    block_partials,
    bucket_width,
    point_partials,
    reduce_partials,
)


def _brute(x: np.ndarray, v: np.ndarray, lo: float, hi: float, n: int) -> dict[int, np.ndarray]:
    width = bucket_width(lo, hi, n)
    index = np.clip(np.floor((x - lo) / width).astype(int), 0, n - 1)
    return {b: v[index == b] for b in np.unique(index)}


def test_point_partials_fold_to_exact_buckets() -> None:
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(0, 100, 1000))
    v = rng.normal(size=1000)
    v[10] = np.nan
    folded = reduce_partials([point_partials(x, v, np.arange(1000), 0.0, 10.0, 10)])
    expected = _brute(x, v, 0.0, 100.0, 10)
    assert list(folded.count) == [len(expected[b]) for b in sorted(expected)]
    for i, b in enumerate(sorted(expected)):
        part = expected[b]
        finite = part[np.isfinite(part)]
        assert folded.min[i] == finite.min()
        assert folded.max[i] == finite.max()
        assert np.isclose(folded.mean[i], finite.mean())
        assert folded.last[i] == part[-1] or np.isnan(part[-1])


def test_block_partials_are_within_one_block_of_exact() -> None:
    n = 64 * 100
    v = np.sin(np.arange(n) / 50.0)
    points = Points(np.arange(n, dtype=np.int64), np.zeros(n), v)
    blocks = codec.block_summaries(points)
    lo, hi, buckets = 0.0, float(n - 1), 10
    width = bucket_width(lo, hi, buckets)
    order = np.arange(len(blocks)) * 64
    folded = reduce_partials([block_partials(blocks, "step", order, lo, width, buckets)])
    assert folded.count.sum() == n
    exact = _brute(points.steps.astype(float), v, lo, hi, buckets)
    for i in range(buckets):
        assert abs(int(folded.count[i]) - len(exact[i])) <= 64
        assert folded.max[i] <= 1.0
    assert folded.last[-1] == v[-1]


def test_empty_input_folds_to_nothing() -> None:
    folded = reduce_partials([])
    assert len(folded.x) == 0
    assert len(folded.count) == 0


def test_bucket_with_only_nan_has_nan_stats_but_counts_points() -> None:
    x = np.array([0.0, 1.0, 9.0])
    v = np.array([np.nan, np.nan, 5.0])
    folded = reduce_partials([point_partials(x, v, np.arange(3), 0.0, 5.0, 2)])
    assert list(folded.count) == [2, 1]
    assert np.isnan(folded.min[0])
    assert np.isnan(folded.mean[0])
    assert folded.mean[1] == 5.0
