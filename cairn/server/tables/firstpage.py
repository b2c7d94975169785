"""A new table's first page from the first rows of its file, while the whole table builds.

Building a million-row table's columnar copy takes seconds (bench/RESULTS.md); a person who
opens it right after it was logged should see its first rows at once. When a query asks for
rows within the first :data:`FIRST_ROWS` in file order (no filter, sort or group) of a file of
at least ``table_partial_min_bytes`` (a setting) whose copy is not built yet,
:func:`first_rows` reads only the file's beginning (:mod:`cairn.server.tables.prefix`), types
those rows with the same code the full build uses and starts the full build in a background
thread, so a later query gets the real table. Its answer is partial: the total is not known.

Types come from the rows read, as the full build infers them from all rows (so a column can be
``number`` in a partial answer and ``json`` in the full one if later rows differ); a column
whose rows read are all null takes its type from ``column_types`` when the file names it
before ``data`` (Cairn's SDK does; W&B writes it after, so those columns stay ``json``).
Anything else (an INCREMENTAL or joined table, a short table, a file the prefix reader does not
handle) answers None: the caller builds the whole table as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from cairn.errors import CairnError
from cairn.server.context import ServerContext
from cairn.server.store.records import RunRecord
from cairn.server.tables.cache import TableCache
from cairn.server.tables.load import (
    MAX_COLUMNS,
    TypedTable,
    build_table,
    load_parts,
    table_refs,
    unique_names,
    with_types,
)
from cairn.server.tables.prefix import MAX_PREFIX_BYTES, read_prefix
from cairn.server.tables.service import LoadedTable, checked_sha, read_table_file

log = logging.getLogger("cairn.server.tables")
FIRST_ROWS = 5_000
"""A query for rows past this (offset + limit) waits for the whole table."""
MAX_BACKGROUND_BUILDS = 4
"""Tables built in background threads at once; past it, a query builds in its own thread."""
_HINTS = {"number": pa.float64(), "text": pa.string(), "bool": pa.bool_()}

_building: set[str] = set()
_building_lock = threading.Lock()


@dataclass(frozen=True)
class FirstRows:
    """A partial table and how to start its full build (call it once the answer is sent)."""

    loaded: LoadedTable
    start_build: Callable[[], None]


def first_rows(
    ctx: ServerContext, cache: TableCache, run: RunRecord, key: str, step: int | None, rows: int
) -> FirstRows | None:
    """The first ``rows`` rows of a run's not-yet-built ``table-file`` value; None when the
    caller should load the table as usual.

    The caller starts the full build (``start_build``) after its answer is sent: the build's
    JSON parse holds the GIL for seconds, which would hold the answer back.
    """
    if cache.max_bytes <= 0 or rows > FIRST_ROWS:
        return None  # without a cache file no build would ever be "done"
    found = ctx.meta.latest_value(run.pk, key, step)
    if found is None:
        return None
    value = found.value
    if not (isinstance(value, dict) and value.get("_type") == "table-file"):
        return None
    try:
        refs = table_refs(value, key)
        if len(refs) != 1:
            return None  # INCREMENTAL: the first part's rows come first, but keep it simple
        sha = checked_sha(ctx, run, refs[0], key)
        if cache.built(sha) or ctx.blobs.size(sha) < ctx.settings.table_partial_min_bytes:
            return None
        with _building_lock:
            if sha not in _building and len(_building) >= MAX_BACKGROUND_BUILDS:
                return None  # busy: this query builds in its own thread
        prefix = read_prefix(ctx.blobs.open_range(sha, 0, MAX_PREFIX_BYTES), rows)
    except CairnError:
        return None  # the full load reports it
    if prefix is None or prefix.complete or len(prefix.columns) > MAX_COLUMNS:
        return None  # a short table builds in no time: build it and answer in full
    names = unique_names([str(c) for c in prefix.columns])
    table = _hinted(build_table(names, prefix.rows), prefix.column_types)
    reader = _reader(ctx)
    return FirstRows(
        LoadedTable(run.id, found.step, sha, table),
        lambda: _build_in_background(cache, sha, lambda: load_parts(refs, reader)),
    )


def _reader(ctx: ServerContext) -> Callable[[dict[str, Any]], bytes]:
    return lambda ref: read_table_file(ctx, ref)


def _hinted(table: TypedTable, hints: dict[str, Any] | None) -> TypedTable:
    """All-null columns typed as ``column_types`` names them (number, text, bool)."""
    if not hints or table.table.num_rows == 0:
        return table
    arrow, types = table.table, dict(table.types)
    for index, name in enumerate(arrow.column_names):
        hint = hints.get(name)
        if hint in _HINTS and arrow.column(index).null_count == arrow.num_rows:
            nulls = pa.nulls(arrow.num_rows, _HINTS[hint])
            arrow = arrow.set_column(index, name, nulls)
            types[name] = hint
    return TypedTable(with_types(arrow, types), types)


def _build_in_background(cache: TableCache, key: str, build: Callable[[], TypedTable]) -> None:
    """Build ``key``'s table in a daemon thread unless one already is or too many are under way
    (then a later query starts it, or builds it itself)."""
    with _building_lock:
        if key in _building or len(_building) >= MAX_BACKGROUND_BUILDS:
            return
        _building.add(key)

    def work() -> None:
        try:
            cache.get(key, build)  # the ingest-time worker may hold the key: this waits for it
        except CairnError as exc:
            log.info("background table build %s skipped: %s", key, exc)
        except Exception:
            log.exception("background table build %s failed", key)
        finally:
            with _building_lock:
                _building.discard(key)

    threading.Thread(target=work, name="cairn-table-build", daemon=True).start()
