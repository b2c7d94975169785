"""Bucketing: folded partials equal brute force over the points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.server.series import codec
from cairn.server.series.codec import Points
from cairn.server.series.downsample import (
    Partials,
    block_partials,
    bucket_width,
    point_partials,
    reduce_partials,
    usable_blocks,
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


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 3000),
    buckets=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    gaps=st.booleans(),
)
def test_blocks_plus_decoded_points_match_brute_force_within_one_block(
    n: int, buckets: int, seed: int, gaps: bool
) -> None:
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.integers(1, 50 if gaps else 2, n)).astype(np.int64)
    v = rng.normal(size=n)
    v[rng.random(n) < 0.05] = np.nan
    points = Points(steps, np.zeros(n), v)
    lo = float(rng.uniform(steps[0] - 10, steps[-1]))
    hi = float(rng.uniform(lo, steps[-1] + 10))
    width = bucket_width(lo, hi, buckets)
    parts = _store_like_parts(points, lo, hi, buckets)
    folded = reduce_partials(parts)
    x = steps.astype(float)
    window = (x >= lo) & (x <= hi)
    assert folded.count.sum() == window.sum()
    finite = v[window][np.isfinite(v[window])]
    if len(finite):
        assert np.nanmin(folded.min) == finite.min()
        assert np.nanmax(folded.max) == finite.max()
    # Each bucket edge is off by at most one block: cumulative counts differ by at most 64.
    brute = np.bincount(bucket_of_points(x[window], lo, width, buckets), minlength=buckets)
    got = np.zeros(buckets, np.int64)
    got[np.unique(np.concatenate([p.bucket for p in parts]))] = folded.count
    assert np.abs(np.cumsum(got) - np.cumsum(brute)).max(initial=0) <= codec.BLOCK
    if window.any():
        assert folded.last[-1] == v[window][-1] or np.isnan(v[window][-1])


def _store_like_parts(points: Points, lo: float, hi: float, buckets: int) -> list[Partials]:
    """What a store does: blocks that qualify stand for their points, the rest are decoded."""
    blocks = codec.block_summaries(points)
    width = bucket_width(lo, hi, buckets)
    b_lo, b_hi = blocks["step_min"].astype(float), blocks["step_max"].astype(float)
    usable = usable_blocks(b_lo, b_hi, lo, hi, width)
    decode = np.repeat(~usable, codec.BLOCK)[: len(points)]
    x, v = points.steps.astype(float), points.values
    inside = decode & (x >= lo) & (x <= hi)
    parts = [point_partials(x[inside], v[inside], np.flatnonzero(inside), lo, width, buckets)]
    order = np.flatnonzero(usable) * codec.BLOCK
    parts.append(block_partials(blocks[usable], "step", order, lo, width, buckets))
    return parts


def _recombined_std(mean: np.ndarray, std: np.ndarray, count: np.ndarray) -> float:
    """The std of all points from per-bucket (count, mean, std) of finite-only buckets."""
    total = count.sum()
    grand = (count * mean).sum() / total
    return float(np.sqrt((count * std**2 + count * (mean - grand) ** 2).sum() / total))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 3000),
    buckets=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    offset=st.sampled_from([0.0, -3.5, 1e3, 1e6]),
)
def test_bucket_stds_recombine_to_the_std_of_the_whole_window(
    n: int, buckets: int, seed: int, offset: float
) -> None:
    # Whatever block a bucket edge moves, the buckets partition the window's points, so their
    # (count, mean, std) must recombine to numpy's std over the window.
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.integers(1, 5, n)).astype(np.int64)
    v = offset + rng.normal(size=n) * rng.uniform(0.1, 10)
    lo, hi = float(steps[0]), float(steps[-1])
    folded = reduce_partials(_store_like_parts(Points(steps, np.zeros(n), v), lo, hi, buckets))
    assert folded.count.sum() == n
    assert np.all(folded.std >= 0)
    got = _recombined_std(folded.mean, folded.std, folded.count)
    # Blocks' stored sums of squares resolve a std to within ~1e-15 * (mean / std)^2 of itself.
    expected = np.std(v)
    assert got == pytest.approx(expected, rel=1e-6 + 1e-15 * (offset / expected) ** 2)


def test_std_of_point_buckets_is_numpys_over_finite_values() -> None:
    x = np.arange(12, dtype=np.float64)
    v = np.array([1, 2, np.nan, 4, np.inf, 6, -np.inf, np.nan, 3, 3, 3, 3], dtype=np.float64)
    folded = reduce_partials([point_partials(x, v, np.arange(12), 0.0, 4.0, 3)])
    assert folded.std[0] == pytest.approx(np.std([1.0, 2.0, 4.0]))
    assert folded.std[1] == pytest.approx(np.std([6.0]))  # 0: one finite value
    assert folded.std[2] == 0.0
    only_nan = reduce_partials([point_partials(x[:2], np.full(2, np.nan), np.arange(2), 0, 4, 1)])
    assert np.isnan(only_nan.std[0])


def _aligned_block_buckets(values: np.ndarray, per_bucket: int) -> tuple[np.ndarray, int]:
    """Bucket stds from blocks alone, with bucket edges on block edges (nothing moves)."""
    n = len(values)
    points = Points(np.arange(n, dtype=np.int64), np.zeros(n), values)
    blocks = codec.block_summaries(points)
    buckets = n // per_bucket
    parts = [block_partials(blocks, "step", np.arange(len(blocks)), 0.0, per_bucket, buckets)]
    return reduce_partials(parts).std, buckets


def test_block_std_keeps_its_digits_far_from_zero() -> None:
    # Values around 1e6 with a spread of 1: sumsq / n - mean^2 over 1e12-sized squares. Blocks'
    # stored sums limit the answer to ~1e-4 (measured 9e-5, docs/design/0002); points read
    # exactly combine by deviations from the mean and keep every digit.
    rng = np.random.default_rng(7)
    per_bucket = 1024
    values = 1e6 + rng.normal(size=64 * per_bucket)
    std, buckets = _aligned_block_buckets(values, per_bucket)
    expected = values.reshape(buckets, per_bucket).std(axis=1)
    np.testing.assert_allclose(std, expected, rtol=1e-3)
    tiny = 1e6 + rng.normal(scale=1e-3, size=4096)
    x = np.arange(4096, dtype=np.float64)
    exact = reduce_partials([point_partials(x, tiny, np.arange(4096), 0.0, 1024.0, 4)])
    np.testing.assert_allclose(exact.std, tiny.reshape(4, 1024).std(axis=1), rtol=1e-9)


def test_block_std_of_a_constant_is_zero_and_a_tiny_spread_stays_within_the_range() -> None:
    constant, _ = _aligned_block_buckets(np.full(640, 1e6 + 0.1), 128)
    assert constant.tolist() == [0.0] * 5
    # A spread of 1e-9 of the values is below what stored sums of squares resolve; the block's
    # range still bounds the answer (Popoviciu: std <= (max - min) / 2).
    values = 1e6 + np.random.default_rng(8).normal(scale=1e-3, size=640)
    tiny, _ = _aligned_block_buckets(values, 128)
    assert np.all(tiny <= (values.max() - values.min()) / 2)


def bucket_of_points(x: np.ndarray, lo: float, width: float, buckets: int) -> np.ndarray:
    return np.clip(np.floor((x - lo) / width).astype(np.int64), 0, buckets - 1)


def test_exact_mode_points_equal_raw_points() -> None:
    x = np.array([3.0, 1.0, 2.0, 1.0])
    v = np.array([30.0, 10.0, 20.0, 11.0])
    folded = reduce_partials([point_partials(x, v, np.arange(4), 0.0, 1.0, 4)])
    # One point per bucket here except x=1, whose last value is the later arrival.
    assert folded.x.tolist() == [1.0, 2.0, 3.0]
    assert folded.last.tolist() == [11.0, 20.0, 30.0]
    assert folded.count.tolist() == [2, 1, 1]
