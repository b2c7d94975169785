"""Fetching rows with large byte columns: binary result format on PostgreSQL.

psycopg returns results in PostgreSQL's text format by default, where ``bytea`` travels as hex:
twice the bytes plus decoding. For chunk data and block summaries the binary format halves a
coarse history read on PostgreSQL (the block arrays of a 1M-point series: 13 ms as text, 5 ms in
binary).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select


def fetch_rows(conn: Connection, query: Select[Any]) -> Sequence[Sequence[Any]]:
    """Rows of ``query`` as tuples, in ``conn``'s transaction (on its own DBAPI connection)."""
    if conn.dialect.name != "postgresql":
        return conn.execute(query).all()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows
