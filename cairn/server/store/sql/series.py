"""Metric series in SQL as columnar chunks (``series`` + ``series_chunks``), never a row a point.

Appends add small raw *tail segments* (insert-only, so a batch never rewrites a big row). When a
series' tail reaches ``chunk_size`` points, the segments are merged, stably sorted by step, cut
into sealed zstd chunks with 64-point block summaries, and deleted. Reads select only chunks
overlapping the x window, aggregate block summaries for coarse buckets and decode only what
must be exact. See docs/design/0002-series-chunks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Row, and_, delete, insert, select, update

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.series import codec
from cairn.server.series.codec import Points
from cairn.server.series.downsample import (
    Partials,
    block_partials,
    bucket_width,
    point_partials,
    reduce_partials,
)
from cairn.server.store.base import SeriesInfo, SeriesKind, SeriesPoints, SeriesStore, SeriesWindow
from cairn.server.store.sql.schema import series, series_chunks
from cairn.server.store.sql.upsert import insert_ignore

KIND_CODES: dict[str, int] = {"history": 0, "system": 1}
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}
DEFAULT_CHUNK_SIZE = 4096
# Orders points across chunks by arrival: chunk seq times this plus the position in the chunk.
_ORDER_STRIDE = 1 << 24

_META_COLUMNS = (
    series_chunks.c.seq,
    series_chunks.c.sealed,
    series_chunks.c.codec,
    series_chunks.c.points,
    series_chunks.c.step_min,
    series_chunks.c.step_max,
    series_chunks.c.time_min,
    series_chunks.c.time_max,
)


class SqlSeriesStore(SeriesStore):
    """The series store on the metadata database (SQLite or PostgreSQL)."""

    def __init__(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size < codec.BLOCK or chunk_size % codec.BLOCK:
            raise InvalidInputError(f"chunk size must be a multiple of {codec.BLOCK}")
        self.chunk_size = chunk_size

    # -- writing ---------------------------------------------------------------------------

    def _lock_series(self, conn: Connection, run_pk: int, key: str, kind: SeriesKind) -> Row[Any]:
        query = select(series).where(series.c.run_pk == run_pk, series.c.key == key)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).one_or_none()
        if row is None:
            insert_ignore(
                conn,
                series,
                {
                    "run_pk": run_pk,
                    "key": key,
                    "kind": KIND_CODES[kind],
                    "points": 0,
                    "tail_points": 0,
                    "next_seq": 0,
                },
            )
            row = conn.execute(query).one()
        if KIND_NAMES[row.kind] != kind:
            raise InvalidInputError(
                f"{key!r} is already a {KIND_NAMES[row.kind]} series of this run; "
                f"log {kind} values under another key"
            )
        return row

    def append(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        kind: SeriesKind,
        steps: Any,
        times: Any,
        values: Any,
    ) -> None:
        n = len(values)
        if n == 0:
            return
        row = self._lock_series(conn, run_pk, key, kind)
        if steps is None:
            steps = np.arange(row.points, row.points + n, dtype=np.int64)
        points = Points(
            np.asarray(steps, dtype=np.int64),
            np.asarray(times, dtype=np.float64),
            np.asarray(values, dtype=np.float64),
        )
        summary = codec.summarize(points)
        tail_count = row.tail_points + n
        if tail_count >= self.chunk_size:
            # Seal straight from memory: the new points are written once, compressed.
            next_seq, tail_count = self._seal(conn, row.pk, row.next_seq, points)
        else:
            self._insert_chunk(conn, row.pk, row.next_seq, points, sealed=False)
            next_seq = row.next_seq + 1
        conn.execute(
            update(series)
            .where(series.c.pk == row.pk)
            .values(
                points=row.points + n,
                tail_points=tail_count,
                next_seq=next_seq,
                step_min=summary.step_min
                if row.step_min is None
                else min(row.step_min, summary.step_min),
                step_max=summary.step_max
                if row.step_max is None
                else max(row.step_max, summary.step_max),
                last_value=summary.vlast,
            )
        )

    def _insert_chunk(
        self, conn: Connection, series_pk: int, seq: int, points: Points, *, sealed: bool
    ) -> None:
        summary = codec.summarize(points)
        chosen = codec.ZSTD_SHUFFLE if sealed else codec.RAW
        blocks = codec.block_summaries(points).tobytes() if sealed else None
        conn.execute(
            insert(series_chunks).values(
                series_pk=series_pk,
                seq=seq,
                sealed=sealed,
                codec=chosen,
                points=summary.count,
                step_min=summary.step_min,
                step_max=summary.step_max,
                time_min=summary.time_min,
                time_max=summary.time_max,
                vmin=summary.vmin,
                vmax=summary.vmax,
                vsum=summary.vsum,
                vsumsq=summary.vsumsq,
                vlast=summary.vlast,
                nan_count=summary.nan_count,
                posinf_count=summary.posinf_count,
                neginf_count=summary.neginf_count,
                data=codec.encode(points, chosen),
                blocks=blocks,
            )
        )

    def _seal(
        self, conn: Connection, series_pk: int, next_seq: int, new: Points
    ) -> tuple[int, int]:
        """Merge the tail segments and ``new`` into sealed chunks; returns (next_seq, tail)."""
        rows = conn.execute(
            select(series_chunks.c.seq, series_chunks.c.codec, series_chunks.c.points,
                   series_chunks.c.data)
            .where(series_chunks.c.series_pk == series_pk, series_chunks.c.sealed.is_(False))
            .order_by(series_chunks.c.seq)
        ).all()  # fmt: skip
        tail = codec.concat([*(codec.decode(r.data, r.codec, r.points) for r in rows), new])
        tail = tail.take(np.argsort(tail.steps, kind="stable"))
        conn.execute(
            delete(series_chunks).where(
                series_chunks.c.series_pk == series_pk, series_chunks.c.sealed.is_(False)
            )
        )
        full = len(tail) - len(tail) % self.chunk_size
        for start in range(0, full, self.chunk_size):
            piece = tail.take(slice(start, start + self.chunk_size))
            self._insert_chunk(conn, series_pk, next_seq, piece, sealed=True)
            next_seq += 1
        rest = len(tail) - full
        if rest:
            rest_points = tail.take(slice(full, None))
            self._insert_chunk(conn, series_pk, next_seq, rest_points, sealed=False)
            next_seq += 1
        return next_seq, rest

    # -- reading ---------------------------------------------------------------------------

    def _series_row(self, conn: Connection, run_pk: int, key: str) -> Row[Any]:
        row = conn.execute(
            select(series).where(series.c.run_pk == run_pk, series.c.key == key)
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"the run has no series {key!r}")
        return row

    def list_series(self, conn: Connection, run_pk: int) -> list[SeriesInfo]:
        rows = conn.execute(
            select(series).where(series.c.run_pk == run_pk).order_by(series.c.key)
        ).all()
        return [
            SeriesInfo(
                key=r.key,
                kind=KIND_NAMES[r.kind],  # type: ignore[arg-type]
                count=r.points,
                step_min=r.step_min,
                step_max=r.step_max,
                last_value=r.last_value,
            )
            for r in rows
        ]

    def _decode(self, conn: Connection, series_pk: int, seqs: list[int]) -> dict[int, Points]:
        if not seqs:
            return {}
        rows = conn.execute(
            select(series_chunks.c.seq, series_chunks.c.codec, series_chunks.c.points,
                   series_chunks.c.data)
            .where(series_chunks.c.series_pk == series_pk, series_chunks.c.seq.in_(seqs))
        ).all()  # fmt: skip
        out = {}
        for r in rows:
            points = codec.decode(r.data, r.codec, r.points)
            out[r.seq] = points
        return out

    def read_window(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        x_axis: str,
        x_min: float | None,
        x_max: float | None,
        buckets: int,
    ) -> SeriesWindow:
        if buckets < 1:
            raise InvalidInputError("buckets must be >= 1")
        row = self._series_row(conn, run_pk, key)
        lo_col = series_chunks.c.step_min if x_axis == "step" else series_chunks.c.time_min
        hi_col = series_chunks.c.step_max if x_axis == "step" else series_chunks.c.time_max
        conds = [series_chunks.c.series_pk == row.pk]
        if x_min is not None:
            conds.append(hi_col >= x_min)
        if x_max is not None:
            conds.append(lo_col <= x_max)
        chunks = conn.execute(
            select(*_META_COLUMNS, series_chunks.c.blocks)
            .where(and_(*conds))
            .order_by(series_chunks.c.seq)
        ).all()
        if not chunks:
            return _empty_window()
        lows = [getattr(c, f"{x_axis}_min") for c in chunks]
        highs = [getattr(c, f"{x_axis}_max") for c in chunks]
        lo = float(min(lows) if x_min is None else x_min)
        hi = float(max(highs) if x_max is None else x_max)
        plan = _plan(chunks, x_axis, lo, hi, buckets)
        decoded = self._decode(conn, row.pk, plan.decode_seqs)
        exact_x, exact_v, exact_order = _exact_points(decoded, plan, x_axis, lo, hi)
        if plan.block_points + len(exact_v) <= buckets:
            if not plan.blocks:
                sort = np.lexsort((exact_order, exact_x))
                x, v = exact_x[sort], exact_v[sort]
                return SeriesWindow("exact", x, v, v, v, v, np.ones(len(v), np.int64), len(v))
            # Few enough points to answer exactly: decode the chunks we had summarized too.
            return self.read_window_exact(conn, row.pk, x_axis, lo, hi)
        width = bucket_width(lo, hi, buckets)
        parts: list[Partials] = [point_partials(exact_x, exact_v, exact_order, lo, width, buckets)]
        if plan.blocks:
            blocks = np.concatenate([b for b, _ in plan.blocks])
            order = np.concatenate([o for _, o in plan.blocks])
            parts.append(block_partials(blocks, x_axis, order, lo, width, buckets))
        folded = reduce_partials(parts)
        return SeriesWindow(
            "buckets",
            folded.x,
            folded.min,
            folded.max,
            folded.mean,
            folded.last,
            folded.count,
            int(folded.count.sum()),
        )

    def read_window_exact(
        self, conn: Connection, series_pk: int, x_axis: str, lo: float, hi: float
    ) -> SeriesWindow:
        """Every point with x in [lo, hi], in (x, arrival) order."""
        lo_col = series_chunks.c.step_min if x_axis == "step" else series_chunks.c.time_min
        hi_col = series_chunks.c.step_max if x_axis == "step" else series_chunks.c.time_max
        seqs = list(
            conn.scalars(
                select(series_chunks.c.seq).where(
                    series_chunks.c.series_pk == series_pk, hi_col >= lo, lo_col <= hi
                )
            )
        )
        decoded = self._decode(conn, series_pk, seqs)
        xs, vs, orders = [], [], []
        for seq, points in decoded.items():
            x = points.steps.astype(np.float64) if x_axis == "step" else points.times
            keep = (x >= lo) & (x <= hi)
            xs.append(x[keep])
            vs.append(points.values[keep])
            orders.append(seq * _ORDER_STRIDE + np.flatnonzero(keep))
        x = np.concatenate(xs) if xs else np.empty(0)
        v = np.concatenate(vs) if vs else np.empty(0)
        order = np.concatenate(orders) if orders else np.empty(0, np.int64)
        sort = np.lexsort((order, x))
        x, v = x[sort], v[sort]
        return SeriesWindow("exact", x, v, v, v, v, np.ones(len(v), np.int64), len(v))

    def read_points(
        self, conn: Connection, run_pk: int, key: str, start: int, limit: int
    ) -> SeriesPoints:
        if start < 0 or limit < 1:
            raise InvalidInputError("start must be >= 0 and limit >= 1")
        row = self._series_row(conn, run_pk, key)
        metas = conn.execute(
            select(*_META_COLUMNS)
            .where(series_chunks.c.series_pk == row.pk)
            .order_by(series_chunks.c.step_min, series_chunks.c.seq)
        ).all()
        if _ordered_without_overlap(metas):
            wanted: list[int] = []
            skip, seen = 0, 0
            for meta in metas:
                if seen + meta.points > start and seen < start + limit:
                    if not wanted:
                        skip = start - seen
                    wanted.append(meta.seq)
                seen += meta.points
            decoded = self._decode(conn, row.pk, wanted)
            parts = [_sorted_by_step(decoded[seq]) for seq in wanted]
            points = codec.concat(parts).take(slice(skip, skip + limit))
        else:
            # Out-of-order steps: chunks overlap, so order the whole series (rare, documented).
            decoded = self._decode(conn, row.pk, [m.seq for m in metas])
            seqs = sorted(decoded)
            everything = codec.concat([decoded[s] for s in seqs])
            sort = np.argsort(everything.steps, kind="stable")
            points = everything.take(sort[start : start + limit])
        return SeriesPoints(points.steps.copy(), points.times.copy(), points.values.copy())


def _sorted_by_step(points: Points) -> Points:
    if len(points) < 2 or bool(np.all(np.diff(points.steps) >= 0)):
        return points
    return points.take(np.argsort(points.steps, kind="stable"))


def _ordered_without_overlap(metas: Sequence[Any]) -> bool:
    last_max: int | None = None
    last_seq = -1
    for meta in metas:
        if last_max is not None and (
            meta.step_min < last_max or (meta.step_min == last_max and meta.seq < last_seq)
        ):
            return False
        last_max, last_seq = meta.step_max, meta.seq
    return True


class _Plan:
    """Which blocks a bucketed read may use as they are, and which chunks it must decode."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Any, Any]] = []
        self.block_points = 0
        self.decode_seqs: list[int] = []
        self.decode_masks: dict[int, Any] = {}


def _plan(chunks: Sequence[Any], axis: str, lo: float, hi: float, buckets: int) -> _Plan:
    width = bucket_width(lo, hi, buckets)
    plan = _Plan()
    sealed = [c for c in chunks if c.sealed]
    plan.decode_seqs = [c.seq for c in chunks if not c.sealed]
    if not sealed:
        return plan
    # One vectorized pass over the blocks of every sealed chunk in the window.
    blocks = np.frombuffer(b"".join(c.blocks for c in sealed), dtype=codec.BLOCK_DTYPE)
    per_chunk = np.array([len(c.blocks) // codec.BLOCK_DTYPE.itemsize for c in sealed])
    seqs = np.repeat(np.array([c.seq for c in sealed], dtype=np.int64), per_chunk)
    first = np.repeat(np.cumsum(per_chunk) - per_chunk, per_chunk)
    position = (np.arange(len(blocks)) - first) * codec.BLOCK
    b_lo = blocks[f"{axis}_min"].astype(np.float64)
    b_hi = blocks[f"{axis}_max"].astype(np.float64)
    usable = (b_lo >= lo) & (b_hi <= hi) & ((b_hi - b_lo) <= width)
    must_decode = (b_hi >= lo) & (b_lo <= hi) & ~usable
    index = np.flatnonzero(usable)
    if len(index):
        plan.blocks.append((blocks[index], seqs[index] * _ORDER_STRIDE + position[index]))
        plan.block_points = int(blocks["n"][index].sum())
    for seq in np.unique(seqs[must_decode]).tolist():
        in_chunk = seqs == seq
        plan.decode_seqs.append(seq)
        plan.decode_masks[seq] = must_decode[in_chunk]
    return plan


def _exact_points(
    decoded: dict[int, Points], plan: _Plan, axis: str, lo: float, hi: float
) -> tuple[Any, Any, Any]:
    xs, vs, orders = [], [], []
    for seq, points in decoded.items():
        mask = plan.decode_masks.get(seq)
        positions = np.arange(len(points))
        if mask is not None:
            positions = positions[np.repeat(mask, codec.BLOCK)[: len(points)]]
        x_all = points.steps.astype(np.float64) if axis == "step" else points.times
        x = x_all[positions]
        keep = (x >= lo) & (x <= hi)
        xs.append(x[keep])
        vs.append(points.values[positions][keep])
        orders.append(seq * _ORDER_STRIDE + positions[keep])
    if not xs:
        return np.empty(0), np.empty(0), np.empty(0, np.int64)
    return np.concatenate(xs), np.concatenate(vs), np.concatenate(orders)


def _empty_window() -> SeriesWindow:
    empty = np.empty(0, np.float64)
    return SeriesWindow("exact", empty, empty, empty, empty, empty, np.empty(0, np.int64), 0)
