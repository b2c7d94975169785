"""Leases for background jobs: a compare-and-set UPDATE that works on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import Connection, or_, update

from cairn.server.store.sql.schema import leases
from cairn.server.store.sql.upsert import insert_ignore


def try_acquire(conn: Connection, name: str, holder: str, ttl_s: float) -> bool:
    """Take or renew the lease ``name`` for ``ttl_s`` seconds; True when ``holder`` has it.

    Only one holder at a time gets True: the UPDATE succeeds only when the lease expired or is
    already ours, and the database serializes competing UPDATEs of one row.
    """
    now = time.time()
    insert_ignore(conn, leases, {"name": name, "holder": holder, "lease_until": 0.0})
    result = conn.execute(
        update(leases)
        .where(
            leases.c.name == name,
            or_(leases.c.lease_until < now, leases.c.holder == holder),
        )
        .values(holder=holder, lease_until=now + ttl_s)
    )
    return bool(result.rowcount)
