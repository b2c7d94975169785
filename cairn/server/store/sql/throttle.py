"""Failed sign-ins in SQL: one row per account or client address, counted by upsert so that
concurrent failures on several server processes all count (policy: cairn.server.auth.throttle)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.server.auth.throttle import FORGET_AFTER_S, LockKind, lock_seconds
from cairn.server.store.admin import LoginLock
from cairn.server.store.sql.schema import login_throttle

_t = login_throttle


def lock_remaining(conn: Connection, keys: list[tuple[LockKind, str]], now: float) -> float | None:
    """Seconds until none of ``keys`` (kind, name) is locked, None when none is now."""
    until = conn.scalar(
        select(_t.c.locked_until)
        .where(tuple_(_t.c.kind, _t.c.name).in_(keys), _t.c.locked_until > now)
        .order_by(_t.c.locked_until.desc())
        .limit(1)
    )
    return None if until is None else float(until) - now


def note_failure(conn: Connection, kind: LockKind, name: str, now: float) -> int:
    """Count one failure for ``kind``/``name`` (a count gone quiet starts again); lock it when
    the count calls for it. Returns the count."""
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    stale = _t.c.last_failure_at < now - FORGET_AFTER_S
    stmt = (
        dialect.insert(_t)
        .values(kind=kind, name=name, failures=1, last_failure_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=["kind", "name"],
            set_={
                "failures": case((stale, 1), else_=_t.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(_t.c.failures)
    )
    failures = int(conn.execute(stmt).scalar_one())
    seconds = lock_seconds(kind, failures)
    if seconds > 0:
        conn.execute(
            update(_t)
            .where(_t.c.kind == kind, _t.c.name == name)
            .values(locked_until=now + seconds)
        )
    return failures


def forget_stale(conn: Connection, now: float) -> None:
    """Drop counts that have gone quiet (locks are shorter than the quiet time)."""
    conn.execute(delete(_t).where(_t.c.last_failure_at < now - FORGET_AFTER_S))


def clear(conn: Connection, kind: LockKind, name: str) -> None:
    """Forget the failures of one account or address."""
    conn.execute(delete(_t).where(_t.c.kind == kind, _t.c.name == name))


def account_counts(conn: Connection, now: float) -> dict[str, tuple[int, float | None]]:
    """username -> (recent failures, locked_until if locked now) for accounts with failures."""
    rows = conn.execute(
        select(_t.c.name, _t.c.failures, _t.c.locked_until).where(
            _t.c.kind == "account", _t.c.last_failure_at >= now - FORGET_AFTER_S
        )
    ).all()
    return {
        r.name: (int(r.failures), r.locked_until if (r.locked_until or 0) > now else None)
        for r in rows
    }


def list_locks(conn: Connection, now: float) -> list[LoginLock]:
    """Accounts and addresses locked now, the longest-locked first."""
    rows = conn.execute(
        select(_t)
        .where(_t.c.locked_until > now)
        .order_by(_t.c.locked_until.desc(), _t.c.kind, _t.c.name)
    ).all()
    return [LoginLock(r.kind, r.name, int(r.failures), float(r.locked_until)) for r in rows]
