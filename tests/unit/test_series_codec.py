"""Chunk codecs and summaries: bit-exact round trips, NaN/inf accounting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cairn.errors import InvalidInputError
from cairn.server.series import codec
from cairn.server.series.codec import Points


def _points(values: np.ndarray, steps: np.ndarray | None = None) -> Points:
    n = len(values)
    steps = np.arange(n, dtype=np.int64) if steps is None else steps
    return Points(steps, 1.7e9 + np.arange(n) * 0.25, values.astype(np.float64))


@pytest.mark.parametrize("chosen", [codec.RAW, codec.ZSTD_SHUFFLE, codec.ZSTD_SHUFFLE_ZBLOCKS])
@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True)),
    steps=st.lists(st.integers(0, 2**40), min_size=300, max_size=300),
)
def test_round_trip_is_bit_exact(chosen: int, values: np.ndarray, steps: list[int]) -> None:
    points = _points(values, np.array(steps[: len(values)], dtype=np.int64))
    back = codec.decode(codec.encode(points, chosen), chosen, len(points))
    assert back.steps.tobytes() == points.steps.tobytes()
    assert back.times.tobytes() == points.times.tobytes()
    assert back.values.tobytes() == points.values.tobytes()


def test_compression_pays_for_regular_series() -> None:
    values = np.cumsum(np.random.default_rng(0).normal(size=4096)) * 1e-3
    points = _points(values)
    packed = codec.encode(points, codec.ZSTD_SHUFFLE)
    assert len(packed) < len(codec.encode(points, codec.RAW)) * 0.6


def test_unknown_codec_and_wrong_length_are_errors() -> None:
    with pytest.raises(InvalidInputError, match="unknown chunk codec"):
        codec.decode(b"", 99, 0)
    with pytest.raises(InvalidInputError, match="expected"):
        codec.decode(b"\x00" * 10, codec.RAW, 1)


def test_block_summaries_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=200)
    values[[3, 70, 71]] = [np.nan, np.inf, -np.inf]
    points = _points(values)
    blocks = codec.block_summaries(points)
    assert len(blocks) == 4
    assert list(blocks["n"]) == [64, 64, 64, 8]
    for i, block in enumerate(blocks):
        part = values[i * 64 : (i + 1) * 64]
        finite = part[np.isfinite(part)]
        assert block["n_finite"] == len(finite)
        assert block["vmin"] == finite.min()
        assert block["vmax"] == finite.max()
        assert block["vsum"] == pytest.approx(finite.sum())
        assert block["vsumsq"] == pytest.approx((finite**2).sum())
        assert block["step_min"] == i * 64
        assert block["vlast"] == part[-1] or np.isnan(part[-1])


def test_block_of_only_nonfinite_values_has_nan_min_max() -> None:
    blocks = codec.block_summaries(_points(np.array([np.nan, np.inf])))
    assert np.isnan(blocks["vmin"][0])
    assert np.isnan(blocks["vmax"][0])
    assert blocks["n_finite"][0] == 0


def test_summary_counts_nonfinite_values_apart() -> None:
    summary = codec.summarize(_points(np.array([1.0, np.nan, np.inf, -np.inf, 3.0])))
    assert (summary.nan_count, summary.posinf_count, summary.neginf_count) == (1, 1, 1)
    assert (summary.vmin, summary.vmax, summary.vsum) == (1.0, 3.0, 4.0)
    assert summary.vlast == 3.0


@pytest.mark.parametrize("chosen", [codec.ZSTD_SHUFFLE, codec.ZSTD_SHUFFLE_ZBLOCKS])
@settings(max_examples=30, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 700), elements=st.floats(allow_nan=True)))
def test_block_arrays_round_trip_bit_exact(chosen: int, values: np.ndarray) -> None:
    blocks = codec.block_summaries(_points(values))
    assert len(blocks) == codec.blocks_in(len(values))
    back = codec.decode_blocks(codec.encode_blocks(blocks, chosen), chosen, len(blocks))
    assert back.tobytes() == blocks.tobytes()


def test_compressed_blocks_are_smaller() -> None:
    values = np.cumsum(np.random.default_rng(5).normal(size=4096))
    blocks = codec.block_summaries(_points(values))
    packed = codec.encode_blocks(blocks, codec.ZSTD_SHUFFLE_ZBLOCKS)
    assert len(packed) < 0.7 * blocks.nbytes


def test_raw_tail_keeps_no_blocks() -> None:
    blocks = codec.block_summaries(_points(np.ones(3)))
    with pytest.raises(InvalidInputError, match="keeps no blocks"):
        codec.encode_blocks(blocks, codec.RAW)


def test_many_block_arrays_decode_end_to_end() -> None:
    rng = np.random.default_rng(6)
    arrays_ = [codec.block_summaries(_points(rng.normal(size=n))) for n in (256, 256, 256)]
    chosen = codec.ZSTD_SHUFFLE_ZBLOCKS
    same = [(codec.encode_blocks(b, chosen), chosen, len(b)) for b in arrays_]
    assert codec.decode_many_blocks(same).tobytes() == np.concatenate(arrays_).tobytes()
    mixed = [
        *same,
        (codec.encode_blocks(arrays_[0][:2], codec.ZSTD_SHUFFLE), codec.ZSTD_SHUFFLE, 2),
    ]
    expected = np.concatenate([*arrays_, arrays_[0][:2]])
    assert codec.decode_many_blocks(mixed).tobytes() == expected.tobytes()
    assert len(codec.decode_many_blocks([])) == 0
