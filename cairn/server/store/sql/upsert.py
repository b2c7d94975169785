"""Dialect-aware INSERT ... ON CONFLICT for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert a row unless one with the same unique key exists (no error, no update)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def upsert(conn: Connection, table: Table, values: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Insert a row, or update the non-key columns of the row with the same ``keys``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changed))
