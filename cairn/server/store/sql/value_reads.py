"""One logged value by key and step, in SQL."""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager

from sqlalchemy import Connection, select

from cairn.server.store.records import RunValue
from cairn.server.store.sql.schema import run_values
from cairn.server.store.value_reads import ValueReads


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


class SqlValueReads(ValueReads):
    """The SQL implementation, mixed into the SQL metadata store (which provides ``_read``)."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    def latest_value(self, run_pk: int, key: str, step: int | None = None) -> RunValue | None:
        with self._read() as conn:
            return latest_value(conn, run_pk, key, step)


__all__ = ["SqlValueReads", "latest_value"]
