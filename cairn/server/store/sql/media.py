"""Media in SQL: recognising media values, keeping ``run_media_keys`` in step, reading it.

``run_media_keys`` is to media values what ``series`` is to numbers: one row per (run, key) with
the latest ``_type``, the number of values and their step range, so key lists never scan values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.server.store.media import MAX_PROJECT_MEDIA_KEYS, MediaKey, ProjectMediaKey
from cairn.server.store.records import RunFile
from cairn.server.store.sql.schema import run_files, run_media_keys

MAX_TYPE_LENGTH = 32


def media_type(value: Any) -> str | None:
    """The value's ``_type`` when it is a media reference (an object with a short string
    ``_type``), else None."""
    if not isinstance(value, dict):
        return None
    kind = value.get("_type")
    if isinstance(kind, str) and 0 < len(kind) <= MAX_TYPE_LENGTH:
        return kind
    return None


def value_type(value: Any) -> str:
    """The JSON type of a plain (non-media) value, as the value-key index names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "object"


class KeyTally:
    """Values of one batch, summed per key, written once per key by :meth:`flush` into a key
    index table (``run_media_keys``, ``run_value_keys``): the latest type, count, step range."""

    def __init__(self, table: Table = run_media_keys, type_column: str = "media_type") -> None:
        self._table = table
        self._type_column = type_column
        self._keys: dict[str, list[Any]] = {}  # key -> [type, count, step_min, step_max]

    def add(self, key: str, kind: str, step: int) -> None:
        """Count one value (records arrive in order: the latest type wins)."""
        entry = self._keys.get(key)
        if entry is None:
            self._keys[key] = [kind, 1, step, step]
        else:
            entry[0] = kind
            entry[1] += 1
            entry[2] = min(entry[2], step)
            entry[3] = max(entry[3], step)

    def flush(self, conn: Connection, run_pk: int, project_pk: int) -> None:
        """Add the batch's counts to the run's rows: one atomic upsert per key.

        The arithmetic happens in the statement, so batches of the same run committing at the
        same time (several writer streams) both count; keys go in sorted order so they lock
        rows in the same order and cannot deadlock.
        """
        if not self._keys:
            return
        table, type_column = self._table, self._type_column
        with_project = "project_pk" in table.c
        postgres = conn.dialect.name == "postgresql"
        insert = (postgresql if postgres else sqlite).insert(table)
        lower = func.least if postgres else func.min  # SQLite's two-argument min/max are scalar
        upper = func.greatest if postgres else func.max
        changes: dict[str, Any] = {
            type_column: insert.excluded[type_column],
            "count": table.c.count + insert.excluded.count,
            "step_min": lower(table.c.step_min, insert.excluded.step_min),
            "step_max": upper(table.c.step_max, insert.excluded.step_max),
        }
        if with_project:
            changes["project_pk"] = insert.excluded.project_pk
        stmt = insert.on_conflict_do_update(index_elements=["run_pk", "key"], set_=changes)
        for key in sorted(self._keys):
            kind, count, lo, hi = self._keys[key]
            row = {"run_pk": run_pk, "key": key, type_column: kind, "count": count,
                   "step_min": lo, "step_max": hi}  # fmt: skip
            if with_project:
                row["project_pk"] = project_pk
            conn.execute(stmt, row)
        self._keys.clear()


def run_media_keys_of(conn: Connection, run_pk: int) -> list[MediaKey]:
    """The run's media keys sorted by key."""
    c = run_media_keys.c
    rows = conn.execute(
        select(c.key, c.media_type, c.count, c.step_min, c.step_max)
        .where(c.run_pk == run_pk)
        .order_by(c.key)
    ).all()
    return [
        MediaKey(str(key), str(kind), int(count), int(lo), int(hi))
        for key, kind, count, lo, hi in rows
    ]


def project_media_keys(conn: Connection, project_pk: int) -> list[ProjectMediaKey]:
    """(key, type, number of runs) of the project's media keys, sorted, bounded."""
    c = run_media_keys.c
    rows = conn.execute(
        select(c.key, c.media_type, func.count())
        .where(c.project_pk == project_pk)
        .group_by(c.key, c.media_type)
        .order_by(c.key, c.media_type)
        .limit(MAX_PROJECT_MEDIA_KEYS)
    ).all()
    return [ProjectMediaKey(str(key), str(kind), int(n)) for key, kind, n in rows]


def move_media_keys(conn: Connection, run_pk: int, project_pk: int) -> None:
    """Follow a run moved to another project."""
    conn.execute(
        update(run_media_keys)
        .where(run_media_keys.c.run_pk == run_pk)
        .values(project_pk=project_pk)
    )


def media_file(conn: Connection, run_pk: int, sha256: str) -> RunFile | None:
    """The first (by path) of the run's files with content ``sha256``, or None."""
    row = conn.execute(
        select(run_files)
        .where(run_files.c.run_pk == run_pk, run_files.c.sha256 == sha256)
        .order_by(run_files.c.path)
        .limit(1)
    ).first()
    return None if row is None else RunFile(row.path, row.sha256, row.size, row.updated_at)
