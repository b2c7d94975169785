"""Chunk encoding and summaries: pure numpy + zstd, no database.

A chunk holds ``n`` points as three columns: steps (int64), wall times (float64) and values
(float64). Codecs:

* ``RAW`` (0): the three columns' little-endian bytes back to back; used for the open tail.
* ``ZSTD_SHUFFLE`` (1): steps delta-encoded, every column byte-shuffled (all first bytes, then
  all second bytes, ...) and the whole compressed with zstd. Delta steps are nearly all 1 and
  shuffled floats put the slowly-changing exponent bytes together: both make zstd far more
  effective than on raw columns (see docs/design/0002-series-chunks.md). Blocks stored raw.
* ``ZSTD_SHUFFLE_ZBLOCKS`` (2): data as codec 1; the block array stored column by column, integer
  columns delta-encoded, byte-shuffled and zstd-compressed (about half the bytes a coarse read
  fetches). What sealed chunks are written with.

Beside each sealed chunk lives a *block* summary per :data:`BLOCK` points (``BLOCK_DTYPE``), so a
coarse read aggregates blocks instead of decoding points. NaN and ±inf round-trip bit for bit;
summaries count them apart and compute min/max/sum over finite values only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import zstandard

from cairn.errors import InvalidInputError

RAW: Final = 0
ZSTD_SHUFFLE: Final = 1
ZSTD_SHUFFLE_ZBLOCKS: Final = 2
SEALED_CODEC: Final = ZSTD_SHUFFLE_ZBLOCKS
BLOCK: Final = 64
ZSTD_LEVEL: Final = 3

BLOCK_DTYPE: Final = np.dtype(
    [
        ("step_min", "<i8"),
        ("step_max", "<i8"),
        ("time_min", "<f8"),
        ("time_max", "<f8"),
        ("n", "<i8"),
        ("n_finite", "<i8"),
        ("vmin", "<f8"),
        ("vmax", "<f8"),
        ("vsum", "<f8"),
        ("vsumsq", "<f8"),
        ("vlast", "<f8"),
    ]
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Points:
    """Columns of points; all three arrays have the same length."""

    steps: I64
    times: F64
    values: F64

    def __len__(self) -> int:
        return len(self.values)

    def take(self, index: Any) -> Points:
        """The points at ``index`` (a slice, mask or index array)."""
        return Points(self.steps[index], self.times[index], self.values[index])


def concat(parts: list[Points]) -> Points:
    """Points of ``parts`` one after the other."""
    if not parts:
        return Points(np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float64))
    return Points(
        np.concatenate([p.steps for p in parts]),
        np.concatenate([p.times for p in parts]),
        np.concatenate([p.values for p in parts]),
    )


# zstd contexts are costly to create per chunk and unsafe to share between threads.
_local = threading.local()


def _compress(data: bytes) -> bytes:
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return bytes(compressor.compress(data))


def _decompress(data: bytes, max_size: int) -> bytes:
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return bytes(decompressor.decompress(data, max_output_size=max_size))


def _shuffle(values: npt.NDArray[Any]) -> bytes:
    return np.ascontiguousarray(values.view(np.uint8).reshape(-1, 8).T).tobytes()


def _unshuffle(raw: bytes, n: int) -> F64:
    return np.ascontiguousarray(np.frombuffer(raw, np.uint8).reshape(8, n).T).view("<f8").reshape(n)


def encode(points: Points, codec: int) -> bytes:
    """Encode points with ``codec``."""
    steps = points.steps.astype("<i8", copy=False)
    times = points.times.astype("<f8", copy=False)
    values = points.values.astype("<f8", copy=False)
    if codec == RAW:
        return steps.tobytes() + times.tobytes() + values.tobytes()
    if codec in (ZSTD_SHUFFLE, ZSTD_SHUFFLE_ZBLOCKS):
        deltas = np.diff(steps, prepend=np.int64(0)).astype("<i8")
        return _compress(_shuffle(deltas) + _shuffle(times) + _shuffle(values))
    raise InvalidInputError(f"unknown chunk codec {codec}")


def decode(data: bytes, codec: int, n: int) -> Points:
    """Decode ``n`` points stored with ``codec``."""
    if codec == RAW:
        raw = data
    elif codec in (ZSTD_SHUFFLE, ZSTD_SHUFFLE_ZBLOCKS):
        raw = _decompress(data, 24 * n)
    else:
        raise InvalidInputError(f"unknown chunk codec {codec}; upgrade Cairn to read this data")
    if len(raw) != 24 * n:
        raise InvalidInputError(f"chunk holds {len(raw)} bytes, expected {24 * n}")
    if codec == RAW:
        steps = np.frombuffer(raw, "<i8", n, 0)
        times = np.frombuffer(raw, "<f8", n, 8 * n)
        values = np.frombuffer(raw, "<f8", n, 16 * n)
        return Points(steps, times, values)
    width = 8 * n
    deltas = _unshuffle(raw[:width], n).view("<i8")
    return Points(
        np.cumsum(deltas, dtype=np.int64),
        _unshuffle(raw[width : 2 * width], n),
        _unshuffle(raw[2 * width :], n),
    )


def block_summaries(points: Points, block: int = BLOCK) -> npt.NDArray[Any]:
    """One ``BLOCK_DTYPE`` record per ``block`` consecutive points."""
    n = len(points)
    starts = np.arange(0, n, block)
    out = np.zeros(len(starts), dtype=BLOCK_DTYPE)
    if n == 0:
        return out
    values = points.values
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # sums of huge values may overflow to inf
        _fill_blocks(out, points, finite, clean, starts)
    return out


def _fill_blocks(
    out: npt.NDArray[Any], points: Points, finite: npt.NDArray[np.bool_], clean: F64, starts: I64
) -> None:
    n = len(points)
    values = points.values
    out["step_min"] = np.minimum.reduceat(points.steps, starts)
    out["step_max"] = np.maximum.reduceat(points.steps, starts)
    out["time_min"] = np.minimum.reduceat(points.times, starts)
    out["time_max"] = np.maximum.reduceat(points.times, starts)
    out["n"] = np.diff(np.append(starts, n))
    out["n_finite"] = np.add.reduceat(finite.astype(np.int64), starts)
    out["vmin"] = np.minimum.reduceat(np.where(finite, values, np.inf), starts)
    out["vmax"] = np.maximum.reduceat(np.where(finite, values, -np.inf), starts)
    out["vsum"] = np.add.reduceat(clean, starts)
    out["vsumsq"] = np.add.reduceat(clean * clean, starts)
    out["vlast"] = values[np.append(starts[1:], n) - 1]
    empty = out["n_finite"] == 0
    out["vmin"][empty] = np.nan
    out["vmax"][empty] = np.nan


def encode_blocks(blocks: npt.NDArray[Any], codec: int) -> bytes:
    """Encode a ``BLOCK_DTYPE`` array for a chunk stored with ``codec``."""
    if codec == ZSTD_SHUFFLE:
        return blocks.astype(BLOCK_DTYPE, copy=False).tobytes()
    if codec == ZSTD_SHUFFLE_ZBLOCKS:
        parts = []
        for name in BLOCK_DTYPE.names or ():
            column = np.ascontiguousarray(blocks[name])
            if column.dtype.kind == "i":
                column = np.diff(column, prepend=column.dtype.type(0))
            parts.append(_shuffle(column))
        return _compress(b"".join(parts))
    raise InvalidInputError(f"chunk codec {codec} keeps no blocks")


def decode_blocks(data: bytes, codec: int, n_blocks: int) -> npt.NDArray[Any]:
    """Decode the ``n_blocks`` block summaries of a chunk stored with ``codec``."""
    if codec == ZSTD_SHUFFLE:
        return np.frombuffer(data, BLOCK_DTYPE, n_blocks)
    if codec != ZSTD_SHUFFLE_ZBLOCKS:
        raise InvalidInputError(f"unknown chunk codec {codec}; upgrade Cairn to read this data")
    names = BLOCK_DTYPE.names or ()
    raw = _decompress(data, 8 * n_blocks * len(names))
    if len(raw) != 8 * n_blocks * len(names):
        raise InvalidInputError(
            f"block array holds {len(raw)} bytes, expected {BLOCK_DTYPE.itemsize * n_blocks}"
        )
    out = np.empty(n_blocks, BLOCK_DTYPE)
    width = 8 * n_blocks
    for i, name in enumerate(names):
        column = _unshuffle(raw[i * width : (i + 1) * width], n_blocks)
        if BLOCK_DTYPE[name].kind == "i":
            out[name] = np.cumsum(column.view("<i8"))
        else:
            out[name] = column
    return out


def decode_many_blocks(chunks: Sequence[tuple[bytes, int, int]]) -> npt.NDArray[Any]:
    """The block arrays of several chunks, given as (blocks, codec, n_blocks), end to end."""
    names = BLOCK_DTYPE.names or ()
    sizes = {n_blocks for _, _, n_blocks in chunks}
    if len(sizes) != 1 or any(code != ZSTD_SHUFFLE_ZBLOCKS for _, code, _ in chunks):
        parts = [decode_blocks(data, code, n_blocks) for data, code, n_blocks in chunks]
        return np.concatenate(parts) if parts else np.empty(0, BLOCK_DTYPE)
    # Equal-sized chunks (every sealed chunk of a series): unshuffle them all in one pass.
    (n_blocks,) = sizes
    width = 8 * n_blocks * len(names)
    raw = b"".join(_decompress(data, width) for data, _, _ in chunks)
    if len(raw) != width * len(chunks):
        raise InvalidInputError("a chunk's block array has the wrong size")
    planes = np.frombuffer(raw, np.uint8).reshape(len(chunks), len(names), 8, n_blocks)
    columns = planes.transpose(1, 0, 3, 2)
    out = np.empty(len(chunks) * n_blocks, BLOCK_DTYPE)
    for i, name in enumerate(names):
        column = np.ascontiguousarray(columns[i]).view("<f8").reshape(len(chunks), n_blocks)
        if BLOCK_DTYPE[name].kind == "i":
            out[name] = np.cumsum(column.view("<i8"), axis=1).reshape(-1)
        else:
            out[name] = column.reshape(-1)
    return out


def blocks_in(points: int) -> int:
    """How many blocks summarize a chunk of ``points`` points."""
    return -(-points // BLOCK)


@dataclass(frozen=True, slots=True)
class ChunkSummary:
    """What a chunk row carries beside its data."""

    count: int
    step_min: int
    step_max: int
    time_min: float
    time_max: float
    vmin: float | None
    vmax: float | None
    vsum: float
    vsumsq: float
    vlast: float | None
    nan_count: int
    posinf_count: int
    neginf_count: int


def summarize(points: Points) -> ChunkSummary:
    """The summary of a non-empty run of points (``vlast`` is the last in their order)."""
    values = points.values
    finite = np.isfinite(values)
    has_finite = bool(finite.any())
    clean = values[finite]
    with np.errstate(over="ignore", invalid="ignore"):
        vsum, vsumsq = float(clean.sum()), float((clean * clean).sum())
    return ChunkSummary(
        count=len(values),
        step_min=int(points.steps.min()),
        step_max=int(points.steps.max()),
        time_min=float(points.times.min()),
        time_max=float(points.times.max()),
        vmin=float(clean.min()) if has_finite else None,
        vmax=float(clean.max()) if has_finite else None,
        vsum=vsum,
        vsumsq=vsumsq,
        vlast=finite_or_none(float(values[-1])),
        nan_count=int(np.isnan(values).sum()),
        posinf_count=int(np.isposinf(values).sum()),
        neginf_count=int(np.isneginf(values).sum()),
    )


def finite_or_none(value: float) -> float | None:
    """``value``, or None for NaN and ±inf: what a nullable SQL float column can hold."""
    # SQL columns cannot hold NaN portably (PostgreSQL can, SQLite turns it into NULL).
    return value if np.isfinite(value) else None
