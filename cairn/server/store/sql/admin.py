"""Administration in SQL: users as admins see them, teams and project members as listed, and
the sign-in throttle, with the mixin that puts them into the SQL metadata store."""

from __future__ import annotations

import abc
import time
from contextlib import AbstractContextManager
from typing import cast

from sqlalchemy import Connection, delete, func, select, update

from cairn.errors import ConflictError, NotFoundError
from cairn.server.auth.principal import Principal
from cairn.server.auth.throttle import LockKind
from cairn.server.store.admin import AdminStore, LoginLock, Member, TeamInfo, UserInfo
from cairn.server.store.sql import accounts, throttle
from cairn.server.store.sql.schema import (
    entities,
    memberships,
    project_members,
    sessions,
    users,
)


def list_users(conn: Connection, now: float) -> list[UserInfo]:
    """Every user by username, with recent sign-in failures and a lock in force."""
    counts = throttle.account_counts(conn, now)
    rows = conn.execute(select(users).order_by(users.c.username)).all()
    return [
        UserInfo(
            username=r.username,
            is_admin=bool(r.is_admin),
            disabled=r.disabled_at is not None,
            must_change_password=bool(r.must_change_password),
            created_at=r.created_at,
            last_login_at=r.last_login_at,
            failed_logins=counts.get(r.username, (0, None))[0],
            locked_until=counts.get(r.username, (0, None))[1],
        )
        for r in rows
    ]


def update_user(
    conn: Connection,
    username: str,
    disabled: bool | None,
    is_admin: bool | None,
    by: Principal,
    now: float,
) -> None:
    """Set a user's disabled and admin flags (see AdminStore.update_user for the refusals)."""
    row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
    if row is None:
        raise NotFoundError(f"user {username!r} does not exist")
    if row.pk == by.user_pk and (disabled or is_admin is False):
        raise ConflictError(
            "you cannot disable yourself or take back your own admin role: ask another admin"
        )
    values: dict[str, object] = {}
    if disabled is not None and disabled != (row.disabled_at is not None):
        values["disabled_at"] = now if disabled else None
    if is_admin is not None and is_admin != bool(row.is_admin):
        values["is_admin"] = is_admin
    if not values:
        return
    conn.execute(update(users).where(users.c.pk == row.pk).values(**values))
    if row.is_admin and not accounts.count_admins(conn, enabled_only=True):
        raise ConflictError(
            f"{username!r} is the last enabled admin: make another user admin first"
        )
    if disabled:
        conn.execute(delete(sessions).where(sessions.c.user_pk == row.pk))


def _team_pk(conn: Connection, team: str) -> int:
    pk = conn.scalar(
        select(entities.c.pk).where(entities.c.name == team, entities.c.kind == "team")
    )
    if pk is None:
        raise NotFoundError(f"team {team!r} does not exist")
    return int(pk)


def team_admins(conn: Connection, team_pk: int) -> int:
    """How many admins a team has."""
    return int(
        conn.scalar(
            select(func.count()).where(
                memberships.c.entity_pk == team_pk, memberships.c.role == "admin"
            )
        )
        or 0
    )


def list_teams(conn: Connection, who: Principal) -> list[TeamInfo]:
    """Teams by name with their members: all for an admin, else the caller's."""
    query = select(entities.c.pk, entities.c.name, entities.c.created_at).where(
        entities.c.kind == "team"
    )
    if not who.is_superuser:
        query = query.where(
            entities.c.pk.in_(
                select(memberships.c.entity_pk).where(memberships.c.user_pk == who.user_pk)
            )
        )
    teams = conn.execute(query.order_by(entities.c.name)).all()
    members: dict[int, list[Member]] = {t.pk: [] for t in teams}
    if teams:
        rows = conn.execute(
            select(memberships.c.entity_pk, users.c.username, memberships.c.role)
            .join(users, users.c.pk == memberships.c.user_pk)
            .where(memberships.c.entity_pk.in_(list(members)))
            .order_by(users.c.username)
        ).all()
        for r in rows:
            members[r.entity_pk].append(Member(r.username, r.role))
    return [TeamInfo(t.name, t.created_at, members[t.pk]) for t in teams]


def remove_team_member(conn: Connection, team: str, username: str) -> None:
    """Take a user out of a team; its last admin stays."""
    team_pk = _team_pk(conn, team)
    user_pk = accounts.user_pk(conn, username)
    role = conn.scalar(
        select(memberships.c.role).where(
            memberships.c.entity_pk == team_pk, memberships.c.user_pk == user_pk
        )
    )
    if role is None:
        raise NotFoundError(f"{username!r} is not a member of team {team!r}")
    if role == "admin" and team_admins(conn, team_pk) <= 1:
        raise ConflictError(
            f"{username!r} is the last admin of team {team!r}: make another member admin first"
        )
    conn.execute(
        delete(memberships).where(
            memberships.c.entity_pk == team_pk, memberships.c.user_pk == user_pk
        )
    )


def list_project_members(conn: Connection, project_pk: int) -> list[Member]:
    """Users with a role on one project, by username."""
    rows = conn.execute(
        select(users.c.username, project_members.c.role)
        .join(users, users.c.pk == project_members.c.user_pk)
        .where(project_members.c.project_pk == project_pk)
        .order_by(users.c.username)
    ).all()
    return [Member(r.username, r.role) for r in rows]


def remove_project_member(conn: Connection, project_pk: int, username: str) -> None:
    """Take a user's role on one project away."""
    result = conn.execute(
        delete(project_members).where(
            project_members.c.project_pk == project_pk,
            project_members.c.user_pk == accounts.user_pk(conn, username),
        )
    )
    if not result.rowcount:
        raise NotFoundError(f"{username!r} has no role of their own on this project")


class SqlAdmin(AdminStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def list_users(self, now: float | None = None) -> list[UserInfo]:
        with self._read() as conn:
            return list_users(conn, time.time() if now is None else now)

    def update_user(
        self, username: str, *, disabled: bool | None, is_admin: bool | None, by: Principal
    ) -> UserInfo:
        now = time.time()
        with self._write() as conn:
            update_user(conn, username, disabled, is_admin, by, now)
            return next(u for u in list_users(conn, now) if u.username == username)

    def reset_password(self, username: str, password: str, *, must_change: bool) -> None:
        with self._write() as conn:
            accounts.set_password(conn, username, password, must_change=must_change)
            throttle.clear(conn, "account", username)

    def change_password(self, user_pk: int, password: str, keep_session: str | None) -> None:
        with self._write() as conn:
            username = conn.scalar(select(users.c.username).where(users.c.pk == user_pk))
            if username is None:
                raise NotFoundError(f"user #{user_pk} does not exist")
            accounts.set_password(conn, username, password, keep_session=keep_session)

    def list_teams(self, who: Principal) -> list[TeamInfo]:
        with self._read() as conn:
            return list_teams(conn, who)

    def remove_team_member(self, team: str, username: str) -> None:
        with self._write() as conn:
            remove_team_member(conn, team, username)

    def list_project_members(self, project_pk: int) -> list[Member]:
        with self._read() as conn:
            return list_project_members(conn, project_pk)

    def remove_project_member(self, project_pk: int, username: str) -> None:
        with self._write() as conn:
            remove_project_member(conn, project_pk, username)

    def login_lock(self, username: str, address: str, now: float | None = None) -> float | None:
        keys = cast("list[tuple[LockKind, str]]", [("account", username), ("address", address)])
        with self._read() as conn:
            return throttle.lock_remaining(conn, keys, time.time() if now is None else now)

    def note_login_failure(self, username: str, address: str, now: float | None = None) -> None:
        at = time.time() if now is None else now
        with self._write() as conn:
            throttle.forget_stale(conn, at)
            throttle.note_failure(conn, "account", username, at)
            throttle.note_failure(conn, "address", address, at)

    def note_login_success(self, user_pk: int, username: str, now: float | None = None) -> None:
        at = time.time() if now is None else now
        with self._write() as conn:
            throttle.clear(conn, "account", username)
            conn.execute(update(users).where(users.c.pk == user_pk).values(last_login_at=at))

    def list_login_locks(self, now: float | None = None) -> list[LoginLock]:
        with self._read() as conn:
            return throttle.list_locks(conn, time.time() if now is None else now)

    def clear_login_lock(self, kind: LockKind, name: str) -> None:
        with self._write() as conn:
            throttle.clear(conn, kind, name)
