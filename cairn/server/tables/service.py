"""From a run's table key to its cached typed table: the value, its files, the cache.

Every table file a value names is checked to be one of the run's files (by path, with the
sha256 the value claims): a value cannot read a blob its run does not hold, even one the cache
already has.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, overload

from fastapi import Request

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.context import ServerContext
from cairn.server.store.records import RunRecord
from cairn.server.tables.cache import TableCache
from cairn.server.tables.load import (
    TableRef,
    TypedTable,
    describe,
    join_tables,
    load_parts,
    table_refs,
)

TABLE_TYPES = ("table-file", "joined-table")
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoadedTable:
    """A run's table at one step: where it came from and its typed rows."""

    run: str
    step: int
    sha256: str
    table: TypedTable


def table_cache(request: Request) -> TableCache:
    """The app's table cache, made on first use from the settings (one per process)."""
    return state_table_cache(request.app.state)


def state_table_cache(state: Any) -> TableCache:
    """The table cache kept on an app's ``state`` (made on first use; see :func:`table_cache`)."""
    cache: TableCache | None = getattr(state, "cairn_tables", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(state, "cairn_tables", None)
            if cache is None:
                ctx: ServerContext = state.cairn
                cache = TableCache(
                    ctx.settings.data_dir / "cache" / "tables",
                    ctx.settings.table_cache_mb * 2**20,
                )
                state.cairn_tables = cache
    return cache


@overload
def load_run_table(
    ctx: ServerContext, cache: TableCache, run: RunRecord, key: str, step: int | None
) -> LoadedTable: ...


@overload
def load_run_table(
    ctx: ServerContext,
    cache: TableCache,
    run: RunRecord,
    key: str,
    step: int | None,
    *,
    missing_ok: bool,
) -> LoadedTable | None: ...


def load_run_table(
    ctx: ServerContext,
    cache: TableCache,
    run: RunRecord,
    key: str,
    step: int | None,
    *,
    missing_ok: bool = False,
) -> LoadedTable | None:
    """The typed table logged under ``key`` at ``step`` (default: the key's latest step).

    NotFoundError when the run has no such value (None with ``missing_ok``) or lacks a file it
    names; InvalidInputError when the value is not a table (naming what it is) or a file is
    not a table.
    """
    found = ctx.meta.latest_value(run.pk, key, step)
    if found is None and missing_ok:
        return None
    if found is None:
        at = "" if step is None else f" at step {step}"
        raise NotFoundError(f"run {run.id} has no value logged under {key!r}{at}")
    value = found.value
    if not (isinstance(value, dict) and value.get("_type") in TABLE_TYPES):
        raise InvalidInputError(
            f"{key!r} at step {found.step} is a {describe(value)}, not a table-file or "
            "joined-table: tables/query reads tables only"
        )
    if value["_type"] == "table-file":
        refs = table_refs(value, key)
        shas = [checked_sha(ctx, run, ref, key) for ref in refs]
        cache_key = shas[0] if len(shas) == 1 else _digest("parts", *shas)
        table = cache.get(
            cache_key, lambda: load_parts(refs, lambda ref: read_table_file(ctx, ref))
        )
        return LoadedTable(run.id, found.step, shas[-1], table)
    return _joined(ctx, cache, run, key, found.step, value)


def _joined(
    ctx: ServerContext, cache: TableCache, run: RunRecord, key: str, step: int, value: Any
) -> LoadedTable:
    join_key, right_key = _join_keys(value.get("join_key"), key)
    refs = [_ref(value.get(side), key) for side in ("table1", "table2")]
    shas = [checked_sha(ctx, run, ref, key) for ref in refs]
    cache_key = _digest("joined", join_key, right_key, *shas)

    def build() -> TypedTable:
        left, right = (load_parts([ref], lambda r: read_table_file(ctx, r)) for ref in refs)
        return join_tables(left, right, join_key, right_key)

    return LoadedTable(run.id, step, cache_key, cache.get(cache_key, build))


def _join_keys(join_key: Any, key: str) -> tuple[str, str]:
    """The key columns of both sides: one name for both, or W&B's pair ``[left, right]``."""
    if isinstance(join_key, str) and join_key:
        return join_key, join_key
    if (
        isinstance(join_key, list)
        and len(join_key) == 2
        and all(isinstance(k, str) and k for k in join_key)
    ):
        return join_key[0], join_key[1]
    raise InvalidInputError(
        f"{key!r}: the joined-table value's join_key must be a column name or a pair of them"
    )


def _ref(side: Any, key: str) -> TableRef:
    """A joined table's side: a table-file value, or (W&B) the path of the table's file."""
    if isinstance(side, str):
        return {"path": side}
    if isinstance(side, dict):
        return side
    raise InvalidInputError(f"{key!r}: a joined-table names its tables as table1 and table2")


def checked_sha(ctx: ServerContext, run: RunRecord, ref: TableRef, key: str) -> str:
    """The sha256 of the run's file ``ref`` names (set on ``ref``); NotFoundError if absent or
    replaced since the value was logged."""
    path = ref.get("path")
    if not isinstance(path, str):
        raise InvalidInputError(f"{key!r}: a table part lacks its path")
    sha = ctx.meta.file_sha256(run.pk, path)
    if sha is None:
        raise NotFoundError(
            f"run {run.id} has no file {path!r} for table {key!r} (not uploaded yet?)"
        )
    claimed = ref.get("sha256")
    if claimed is not None and claimed != sha:
        raise NotFoundError(
            f"run {run.id}'s file {path!r} was replaced after table {key!r} was logged"
        )
    ref["sha256"] = sha
    return sha


def read_table_file(ctx: ServerContext, ref: TableRef) -> bytes:
    """The whole table file ``ref`` names (its sha256 checked); NotFoundError if absent."""
    try:
        return b"".join(ctx.blobs.open(ref["sha256"]))
    except (FileNotFoundError, NotFoundError):
        raise NotFoundError(
            f"the bytes of table file {ref.get('path')!r} are not on this server"
        ) from None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
