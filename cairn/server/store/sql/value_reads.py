"""A run's non-numeric values in SQL: one by key and step, and the index of plain value keys."""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager

from sqlalchemy import Connection, select

from cairn.server.store.records import RunValue
from cairn.server.store.sql.schema import run_value_keys, run_values
from cairn.server.store.value_reads import ValueKey, ValueReads


def latest_value(conn: Connection, run_pk: int, key: str, step: int | None) -> RunValue | None:
    """The last value of ``key`` at ``step`` (or at its highest step), or None."""
    query = select(run_values.c.step, run_values.c.time, run_values.c.value).where(
        run_values.c.run_pk == run_pk, run_values.c.key == key
    )
    if step is not None:
        query = query.where(run_values.c.step == step)
    row = conn.execute(
        query.order_by(run_values.c.step.desc(), run_values.c.pk.desc()).limit(1)
    ).first()
    return None if row is None else RunValue(row.step, row.time, row.value)


def value_keys_of(conn: Connection, run_pk: int) -> list[ValueKey]:
    """The run's plain value keys sorted by key."""
    c = run_value_keys.c
    rows = conn.execute(
        select(c.key, c.value_type, c.count, c.step_min, c.step_max)
        .where(c.run_pk == run_pk)
        .order_by(c.key)
    ).all()
    return [
        ValueKey(str(key), str(kind), int(count), int(lo), int(hi))
        for key, kind, count, lo, hi in rows
    ]


class SqlValueReads(ValueReads):
    """The SQL implementation, mixed into the SQL metadata store (which provides ``_read``)."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    def latest_value(self, run_pk: int, key: str, step: int | None = None) -> RunValue | None:
        with self._read() as conn:
            return latest_value(conn, run_pk, key, step)

    def run_value_keys(self, run_pk: int) -> list[ValueKey]:
        with self._read() as conn:
            return value_keys_of(conn, run_pk)


__all__ = ["SqlValueReads", "latest_value", "value_keys_of"]
