"""Keeping ``run_kv`` (the filter/sort index of config, summary and tags) in step with runs.

One row per flattened key: ``config.opt.lr`` for ``config={"opt": {"lr": 0.1}}``. Values:

- numbers (int, float; not bool): ``VTYPE_NUMBER``, ``num``; ±inf are kept as numbers.
- NaN: ``VTYPE_OTHER`` (present for ``$exists``, never equal or ordered; sorts with missing)
  because SQLite stores a NaN REAL as NULL and PostgreSQL orders NaN above every number.
- strings: ``VTYPE_TEXT``, ``text`` truncated to :data:`TEXT_MAX` characters (filter operands are
  truncated the same way, so comparisons look at the first 512 characters).
- bools: ``VTYPE_BOOL``, ``num`` 0 or 1; never matched by number comparisons.
- null, lists, maps (and empty dicts): ``VTYPE_OTHER``, present but neither number nor text.

Each tag is a row ``tags:<tag>`` with the tag in ``text`` (see :func:`tag_key`). Keys longer than
:data:`KEY_MAX` are not indexed (they cannot be filtered or sorted on). ``key`` and ``text``
compare by code point on both backends, which makes the prefix ranges below exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, and_, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from cairn.server.store.sql.schema import (
    VTYPE_BOOL,
    VTYPE_NUMBER,
    VTYPE_OTHER,
    VTYPE_TEXT,
    run_kv,
)

KEY_MAX = 300
TEXT_MAX = 512
TAG_PREFIX = "tags:"
PREFIXES = ("config", "summary")
_BATCH = 500


def flatten(prefix: str, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Nested dicts → ``{"<prefix>.a.b": value}``; an empty dict stays one key."""
    out: dict[str, Any] = {}
    _flatten_into(out, prefix, mapping)
    return out


def _flatten_into(out: dict[str, Any], path: str, mapping: Mapping[str, Any]) -> None:
    for name, value in mapping.items():
        key = f"{path}.{name}"
        if isinstance(value, Mapping) and value:
            _flatten_into(out, key, value)
        else:
            out[key] = value


def tag_key(tag: str) -> str:
    """The ``run_kv`` key of one tag."""
    return (TAG_PREFIX + tag)[:KEY_MAX]


def encode_value(value: Any) -> tuple[int, float | None, str | None]:
    """``(vtype, num, text)`` for one value, as stored in ``run_kv``."""
    if isinstance(value, bool):
        return VTYPE_BOOL, 1.0 if value else 0.0, None
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return VTYPE_OTHER, None, None
        return VTYPE_NUMBER, number, None
    if isinstance(value, str):
        return VTYPE_TEXT, None, value[:TEXT_MAX]
    return VTYPE_OTHER, None, None


def kv_row(run_pk: int, project_pk: int, key: str, value: Any) -> dict[str, Any]:
    """The ``run_kv`` row for one flattened key."""
    vtype, num, text = encode_value(value)
    return {
        "run_pk": run_pk,
        "key": key,
        "project_pk": project_pk,
        "vtype": vtype,
        "num": num,
        "text": text,
    }


def sync_kv(
    conn: Connection,
    run_pk: int,
    project_pk: int,
    prefix: str,
    updated: Mapping[str, Any],
    removed: Iterable[str] = (),
) -> None:
    """Apply changed and removed top-level ``prefix`` keys of one run, in the caller's transaction.

    A changed key replaces everything below it (``config.opt`` going from a dict to a number
    drops ``config.opt.*``); its new flattened rows are upserted.
    """
    _check_prefix(prefix)
    # A scalar's own row is upserted below; a new dict replaces the key's old scalar row.
    stale = [
        _subtree(f"{prefix}.{name}")
        if isinstance(value, Mapping) and value
        else _range_below(f"{prefix}.{name}.")
        for name, value in updated.items()
    ]
    stale += [_subtree(f"{prefix}.{name}") for name in removed]
    for i in range(0, len(stale), _BATCH):
        conn.execute(delete(run_kv).where(run_kv.c.run_pk == run_pk, or_(*stale[i : i + _BATCH])))
    rows = [
        kv_row(run_pk, project_pk, key, value)
        for key, value in flatten(prefix, updated).items()
        if len(key) <= KEY_MAX
    ]
    upsert_rows(conn, rows)


def replace_kv(
    conn: Connection, run_pk: int, project_pk: int, prefix: str, mapping: Mapping[str, Any]
) -> None:
    """Replace every ``prefix`` row of one run by the flattened ``mapping``."""
    _check_prefix(prefix)
    conn.execute(delete(run_kv).where(run_kv.c.run_pk == run_pk, _subtree(prefix)))
    rows = [
        kv_row(run_pk, project_pk, key, value)
        for key, value in flatten(prefix, mapping).items()
        if len(key) <= KEY_MAX
    ]
    insert_rows(conn, rows)


def sync_tags(conn: Connection, run_pk: int, project_pk: int, tags: Iterable[str]) -> None:
    """Replace the tag rows of one run."""
    conn.execute(delete(run_kv).where(run_kv.c.run_pk == run_pk, _range_below(TAG_PREFIX)))
    rows = {tag_key(tag): kv_row(run_pk, project_pk, tag_key(tag), tag) for tag in tags}
    insert_rows(conn, list(rows.values()))


def tag_rows(run_pk: int, project_pk: int, tags: Iterable[str]) -> list[dict[str, Any]]:
    """The ``run_kv`` rows of a run's tags (for bulk inserts of new runs)."""
    rows = {tag_key(tag): kv_row(run_pk, project_pk, tag_key(tag), tag) for tag in tags}
    return list(rows.values())


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert ``run_kv`` rows known to be absent, in large executemany batches."""
    for i in range(0, len(rows), _BATCH):
        conn.execute(run_kv.insert(), rows[i : i + _BATCH])


def upsert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or update ``run_kv`` rows (INSERT ... ON CONFLICT DO UPDATE) on either backend."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for i in range(0, len(rows), _BATCH):
        stmt = dialect.insert(run_kv)
        stmt = stmt.on_conflict_do_update(
            index_elements=[run_kv.c.run_pk, run_kv.c.key],
            set_={
                "project_pk": stmt.excluded.project_pk,
                "vtype": stmt.excluded.vtype,
                "num": stmt.excluded.num,
                "text": stmt.excluded.text,
            },
        )
        conn.execute(stmt, rows[i : i + _BATCH])


def _check_prefix(prefix: str) -> None:
    if prefix not in PREFIXES:
        raise ValueError(f"run_kv prefix must be one of {PREFIXES}, not {prefix!r}")


def _range_below(start: str) -> ColumnElement[bool]:
    # Keys starting with `start`: a range on the primary key, unlike LIKE (case rules, escapes).
    end = start[:-1] + chr(ord(start[-1]) + 1)
    return and_(run_kv.c.key >= start, run_kv.c.key < end)


def _subtree(key: str) -> ColumnElement[bool]:
    """``key`` itself and every key below it (``key.*``)."""
    return or_(run_kv.c.key == key, _range_below(key + "."))
