"""Alerts in SQL: stored by the ingest path, read oldest first by a keyset cursor."""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, insert, select

from cairn.server.store.alerts import Alert, AlertReads
from cairn.server.store.sql.schema import run_alerts


def add_alert(conn: Connection, run_pk: int, body: dict[str, Any]) -> None:
    """Store one validated ``alert`` record's body for the run."""
    conn.execute(
        insert(run_alerts).values(
            run_pk=run_pk,
            time=float(body["time"]),
            title=body["title"],
            text=body["text"],
            level=body["level"],
            wait_s=body.get("wait_s"),
        )
    )


def list_alerts(conn: Connection, run_pk: int, after: int, limit: int) -> list[Alert]:
    """The run's alerts after the cursor ``after``, oldest first."""
    c = run_alerts.c
    rows = conn.execute(
        select(c.pk, c.time, c.title, c.text, c.level, c.wait_s)
        .where(c.run_pk == run_pk, c.pk > after)
        .order_by(c.pk)
        .limit(limit)
    ).all()
    return [Alert(int(r.pk), r.time, r.title, r.text, r.level, r.wait_s) for r in rows]


class SqlAlerts(AlertReads):
    """The SQL implementation, mixed into the SQL metadata store (which provides ``_read``)."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    def list_alerts(self, run_pk: int, after: int, limit: int) -> list[Alert]:
        with self._read() as conn:
            return list_alerts(conn, run_pk, after, limit)
