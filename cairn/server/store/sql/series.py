"""Metric series in SQL as columnar chunks (``series`` + ``series_chunks``), never a row a point.

Appends add small raw *tail segments* (insert-only, so a batch never rewrites a big row). When a
series' tail reaches ``chunk_size`` points, the segments and the new points are merged, stably
sorted by x (step; wall time for system series), cut into sealed zstd chunks with 64-point block
summaries, and the segments deleted. Reads select only chunks overlapping the x window, aggregate
block summaries for coarse buckets and decode only what must be exact. Points are ordered by
(x, chunk seq, position in chunk), which is (x, arrival) order because sealing sorts stably.
See docs/design/0002-series-chunks.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.series import codec
from cairn.server.series.cache import WindowCache
from cairn.server.series.codec import F64, I64, Points
from cairn.server.series.downsample import (
    Partials,
    block_partials,
    bucket_width,
    point_partials,
    reduce_partials,
)
from cairn.server.series.plan import ORDER_STRIDE, chunks_for_page, plan_blocks, points_in
from cairn.server.store.base import (
    SeriesInfo,
    SeriesKind,
    SeriesPoints,
    SeriesStore,
    SeriesWindow,
    XAxis,
)
from cairn.server.store.sql.fetch import fetch_rows
from cairn.server.store.sql.schema import series, series_chunks

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

KIND_CODES: Final[dict[str, int]] = {"history": 0, "system": 1}
KIND_NAMES: Final[dict[int, SeriesKind]] = {0: "history", 1: "system"}
# 4,096 points: see docs/design/0002-series-chunks.md for the measurements behind it.
DEFAULT_CHUNK_SIZE: Final = 4096
# A window whose chunks hold no more points than this is answered from decoded points (exact
# buckets); past it, from block summaries.
DECODE_ALL_POINTS: Final = 65_536

# The append path's statements, built once: building and keying a statement cost about as much
# as running it, and an append runs three to six of them.
_SERIES_ROW = select(series).where(
    series.c.run_pk == bindparam("b_run_pk"), series.c.key == bindparam("b_key")
)
_SERIES_ROW_LOCKED = _SERIES_ROW.with_for_update()
_NEW_SERIES = {
    "postgresql": postgresql.insert(series).on_conflict_do_nothing().returning(*series.c),
    "sqlite": sqlite.insert(series).on_conflict_do_nothing().returning(*series.c),
}
_UPDATE_SERIES = (
    update(series)
    .where(series.c.pk == bindparam("b_pk"))
    .values(
        points=bindparam("b_points"),
        tail_points=bindparam("b_tail_points"),
        next_seq=bindparam("b_next_seq"),
        step_min=bindparam("b_step_min"),
        step_max=bindparam("b_step_max"),
        last_value=bindparam("b_last_value"),
    )
)
_INSERT_CHUNKS = insert(series_chunks)
_TAIL = (series_chunks.c.series_pk == bindparam("b_series_pk"), series_chunks.c.sealed.is_(False))
_SELECT_TAIL = (
    select(series_chunks.c.codec, series_chunks.c.points, series_chunks.c.data)
    .where(*_TAIL)
    .order_by(series_chunks.c.seq)
)
_DELETE_TAIL = delete(series_chunks).where(*_TAIL)


class SqlSeriesStore(SeriesStore):
    """The series store on the metadata database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        decode_all_points: int = DECODE_ALL_POINTS,
        cache_bytes: int = 0,
    ) -> None:
        if chunk_size < codec.BLOCK or chunk_size % codec.BLOCK or chunk_size >= ORDER_STRIDE:
            raise InvalidInputError(
                f"chunk size must be a multiple of {codec.BLOCK} below {ORDER_STRIDE}"
            )
        self.chunk_size = chunk_size
        self.decode_all_points = decode_all_points
        self.cache = WindowCache(cache_bytes) if cache_bytes > 0 else None

    # -- writing ---------------------------------------------------------------------------

    def append(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        kind: SeriesKind,
        steps: I64 | None,
        times: F64,
        values: F64,
    ) -> None:
        if kind not in KIND_CODES:
            raise InvalidInputError(f"series kind must be 'history' or 'system', not {kind!r}")
        n = len(values)
        if len(times) != n or (steps is not None and len(steps) != n):
            raise InvalidInputError(f"series {key!r}: steps, times and values differ in length")
        if kind == "history" and steps is None:
            raise InvalidInputError(f"history series {key!r} needs steps")
        if n == 0:
            return
        row = _lock_series(conn, run_pk, key, kind)
        if kind == "system":
            steps = np.arange(row.points, row.points + n, dtype=np.int64)
        assert steps is not None
        points = Points(
            np.ascontiguousarray(steps, dtype=np.int64),
            np.ascontiguousarray(times, dtype=np.float64),
            np.ascontiguousarray(values, dtype=np.float64),
        )
        tail_count = row.tail_points + n
        if tail_count >= self.chunk_size:
            # Seal straight from memory: the new points are written once, compressed.
            next_seq, tail_count = self._seal(conn, row.pk, kind, row.next_seq, points)
        else:
            _insert_chunks(conn, row.pk, row.next_seq, [points], sealed=False)
            next_seq = row.next_seq + 1
        step_min, step_max = int(points.steps.min()), int(points.steps.max())
        conn.execute(
            _UPDATE_SERIES,
            {
                "b_pk": row.pk,
                "b_points": row.points + n,
                "b_tail_points": tail_count,
                "b_next_seq": next_seq,
                "b_step_min": step_min if row.step_min is None else min(row.step_min, step_min),
                "b_step_max": step_max if row.step_max is None else max(row.step_max, step_max),
                "b_last_value": codec.finite_or_none(float(points.values[-1])),
            },
        )

    def _seal(
        self, conn: Connection, series_pk: int, kind: SeriesKind, next_seq: int, new: Points
    ) -> tuple[int, int]:
        """Merge the tail segments and ``new`` into sealed chunks; returns (next_seq, tail)."""
        rows = conn.execute(_SELECT_TAIL, {"b_series_pk": series_pk}).all()
        tail = codec.concat([*(codec.decode(r.data, r.codec, r.points) for r in rows), new])
        x = tail.steps if kind == "history" else tail.times
        tail = tail.take(np.argsort(x, kind="stable"))
        conn.execute(_DELETE_TAIL, {"b_series_pk": series_pk})
        size = self.chunk_size
        full = len(tail) - len(tail) % size
        pieces = [tail.take(slice(start, start + size)) for start in range(0, full, size)]
        _insert_chunks(conn, series_pk, next_seq, pieces, sealed=True)
        next_seq += len(pieces)
        rest = len(tail) - full
        if rest:
            _insert_chunks(conn, series_pk, next_seq, [tail.take(slice(full, None))], sealed=False)
            next_seq += 1
        return next_seq, rest

    # -- reading ---------------------------------------------------------------------------

    def list_series(self, conn: Connection, run_pk: int) -> list[SeriesInfo]:
        rows = conn.execute(
            select(series).where(series.c.run_pk == run_pk).order_by(series.c.key)
        ).all()
        return [
            SeriesInfo(
                key=r.key,
                kind=KIND_NAMES[r.kind],
                count=r.points,
                step_min=r.step_min,
                step_max=r.step_max,
                last_value=r.last_value,
            )
            for r in rows
        ]

    def read_window(
        self,
        conn: Connection,
        run_pk: int,
        key: str,
        x_axis: XAxis,
        x_min: float | None,
        x_max: float | None,
        buckets: int,
    ) -> SeriesWindow:
        if buckets < 1:
            raise InvalidInputError("buckets must be >= 1")
        if x_axis not in ("step", "time"):
            raise InvalidInputError(f"x axis must be 'step' or 'time', not {x_axis!r}")
        row = _series_row(conn, run_pk, key)
        if self.cache is None:
            return self._read_window(conn, row.pk, x_axis, x_min, x_max, buckets)
        # An append changes the point count, so a hit is always the current answer.
        cache_key = (row.pk, row.points, x_axis, x_min, x_max, buckets)
        window = self.cache.get(cache_key)
        if window is None:
            window = self._read_window(conn, row.pk, x_axis, x_min, x_max, buckets)
            self.cache.put(cache_key, window)
        return window

    def _read_window(
        self,
        conn: Connection,
        series_pk: int,
        x_axis: XAxis,
        x_min: float | None,
        x_max: float | None,
        buckets: int,
    ) -> SeriesWindow:
        lo_col, hi_col = _x_columns(x_axis)
        conds: list[ColumnElement[bool]] = [series_chunks.c.series_pk == series_pk]
        if x_min is not None:
            conds.append(hi_col >= x_min)
        if x_max is not None:
            conds.append(lo_col <= x_max)
        c = series_chunks.c
        metas = fetch_rows(
            conn,
            select(c.seq, c.sealed, c.codec, c.points, lo_col, hi_col, c.blocks)
            .where(*conds)
            .order_by(c.seq),
        )
        if not metas:
            return _exact_window(np.empty(0), np.empty(0))
        lo = float(min(m[4] for m in metas) if x_min is None else x_min)
        hi = float(max(m[5] for m in metas) if x_max is None else x_max)
        if hi < lo:
            return _exact_window(np.empty(0), np.empty(0))
        width = bucket_width(lo, hi, buckets)
        if sum(m[3] for m in metas) <= max(self.decode_all_points, buckets):
            decoded = _decode(conn, series_pk, [m[0] for m in metas])
            x, v, order = points_in(decoded, {}, x_axis, lo, hi)
            if len(v) <= buckets:
                return _exact_window(x, v, order)
            return _buckets(point_partials(x, v, order, lo, width, buckets))
        plan = plan_blocks(metas, x_axis, lo, hi, width)
        decoded = _decode(conn, series_pk, plan.decode_seqs)
        x, v, order = points_in(decoded, plan.masks, x_axis, lo, hi)
        if plan.block_points + len(v) <= buckets:
            # Few enough points to answer exactly: decode the chunks we had summarized too.
            decoded.update(_decode(conn, series_pk, sorted(set(plan.block_seqs) - set(decoded))))
            return _exact_window(*points_in(decoded, {}, x_axis, lo, hi))
        parts = [point_partials(x, v, order, lo, width, buckets)]
        if plan.blocks is not None:
            parts.append(block_partials(plan.blocks, x_axis, plan.order, lo, width, buckets))
        return _buckets(*parts)

    def read_points(
        self, conn: Connection, run_pk: int, key: str, start: int, limit: int
    ) -> SeriesPoints:
        if start < 0 or limit < 1:
            raise InvalidInputError("start must be >= 0 and limit >= 1")
        row = _series_row(conn, run_pk, key)
        axis: XAxis = "step" if row.kind == KIND_CODES["history"] else "time"
        lo_col, hi_col = _x_columns(axis)
        c = series_chunks.c
        query = select(c.seq, c.points, lo_col, hi_col).where(c.series_pk == row.pk)
        metas = fetch_rows(conn, query)
        seqs, before = chunks_for_page(metas, start, limit)
        decoded = _decode(conn, row.pk, seqs)
        parts = [decoded[seq] for seq in seqs]
        everything = codec.concat(parts)
        if len(everything):
            x = everything.steps if axis == "step" else everything.times
            order = np.concatenate(
                [seq * ORDER_STRIDE + np.arange(len(p)) for seq, p in zip(seqs, parts, strict=True)]
            )
            sort = np.lexsort((order, x))[start - before : start - before + limit]
            everything = everything.take(sort)
        return SeriesPoints(
            everything.steps.copy(), everything.times.copy(), everything.values.copy()
        )


# -- SQL helpers -------------------------------------------------------------------------------


def _lock_series(conn: Connection, run_pk: int, key: str, kind: SeriesKind) -> Row[Any]:
    """The series row, created if missing and locked until the transaction ends."""
    postgres = conn.dialect.name == "postgresql"
    query = _SERIES_ROW_LOCKED if postgres else _SERIES_ROW
    params = {"b_run_pk": run_pk, "b_key": key}
    row = conn.execute(query, params).one_or_none()
    if row is None:
        new = {"run_pk": run_pk, "key": key, "kind": KIND_CODES[kind], "points": 0,
               "tail_points": 0, "next_seq": 0}  # fmt: skip
        row = conn.execute(_NEW_SERIES["postgresql" if postgres else "sqlite"], new).one_or_none()
        if row is None:  # another transaction made it first: read (and lock) that one
            row = conn.execute(query, params).one()
    if KIND_NAMES[row.kind] != kind:
        raise InvalidInputError(
            f"{key!r} is already a {KIND_NAMES[row.kind]} series of this run; "
            f"log {kind} values under another key"
        )
    return row


def _insert_chunks(
    conn: Connection, series_pk: int, first_seq: int, pieces: list[Points], *, sealed: bool
) -> None:
    if not pieces:
        return
    chosen = codec.SEALED_CODEC if sealed else codec.RAW
    rows = []
    for seq, points in enumerate(pieces, start=first_seq):
        s = codec.summarize(points)
        blocks = codec.block_summaries(points) if sealed else None
        rows.append(
            {
                "series_pk": series_pk,
                "seq": seq,
                "sealed": sealed,
                "codec": chosen,
                "points": s.count,
                "step_min": s.step_min,
                "step_max": s.step_max,
                "time_min": s.time_min,
                "time_max": s.time_max,
                "vmin": s.vmin,
                "vmax": s.vmax,
                "vsum": s.vsum,
                "vsumsq": s.vsumsq,
                "vlast": s.vlast,
                "nan_count": s.nan_count,
                "posinf_count": s.posinf_count,
                "neginf_count": s.neginf_count,
                "data": codec.encode(points, chosen),
                "blocks": None if blocks is None else codec.encode_blocks(blocks, chosen),
            }
        )
    conn.execute(_INSERT_CHUNKS, rows)


def _series_row(conn: Connection, run_pk: int, key: str) -> Row[Any, Any, Any]:
    row = conn.execute(
        select(series.c.pk, series.c.kind, series.c.points).where(
            series.c.run_pk == run_pk, series.c.key == key
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"the run has no series {key!r}; list its series for the keys it has")
    return row


def _x_columns(axis: XAxis) -> tuple[Any, Any]:
    c = series_chunks.c
    return (c.step_min, c.step_max) if axis == "step" else (c.time_min, c.time_max)


def _decode(conn: Connection, series_pk: int, seqs: list[int]) -> dict[int, Points]:
    """Decoded points of the chunks ``seqs``, by seq."""
    if not seqs:
        return {}
    c = series_chunks.c
    rows = fetch_rows(
        conn,
        select(c.seq, c.codec, c.points, c.data).where(c.series_pk == series_pk, c.seq.in_(seqs)),
    )
    return {seq: codec.decode(data, code, n) for seq, code, n, data in rows}


# -- assembling windows ---------------------------------------------------------------------


def _buckets(*parts: Partials) -> SeriesWindow:
    folded = reduce_partials(list(parts))
    return SeriesWindow(
        "buckets",
        folded.x,
        folded.min,
        folded.max,
        folded.mean,
        folded.last,
        folded.count,
        int(folded.count.sum()),
        folded.std,
    )


def _exact_window(x: F64, v: F64, order: I64 | None = None) -> SeriesWindow:
    if order is not None and len(x):
        sort = np.lexsort((order, x))
        x, v = x[sort], v[sort]
    x = x.astype(np.float64, copy=False)
    n = len(v)
    return SeriesWindow("exact", x, v, v, v, v, np.ones(n, np.int64), n, np.zeros(n))
