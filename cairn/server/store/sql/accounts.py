"""Users, sessions and API keys in SQL. Secrets are stored hashed, never in clear."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from cairn.server.auth.principal import Principal
from cairn.server.auth.secrets import (
    SESSION_TTL_S,
    hash_password,
    new_api_key,
    new_token,
    token_hash,
    verify_password,
)
from cairn.server.store.sql.projects import ensure_entity
from cairn.server.store.sql.schema import (
    api_keys,
    entities,
    memberships,
    project_members,
    sessions,
    users,
)
from cairn.server.store.sql.upsert import upsert
from cairn.wire import check_name

MIN_PASSWORD_LENGTH = 8
_KEY_TOUCH_INTERVAL_S = 60.0


def create_user(
    conn: Connection,
    username: str,
    password: str | None,
    *,
    is_admin: bool = False,
    must_change: bool = False,
) -> int:
    """Create a user and its personal entity; ConflictError when the name is taken."""
    check_name(username, "username")
    if password is not None:
        check_password_length(password)
    if conn.scalar(select(entities.c.pk).where(entities.c.name == username)) is not None:
        raise ConflictError(f"the name {username!r} is already taken by a user or team")
    now = time.time()
    entity_pk = conn.execute(
        insert(entities).values(name=username, kind="user", created_at=now).returning(entities.c.pk)
    ).scalar_one()
    return int(
        conn.execute(
            insert(users)
            .values(
                entity_pk=entity_pk,
                username=username,
                password_hash=hash_password(password) if password else None,
                is_admin=is_admin,
                must_change_password=must_change,
                created_at=now,
            )
            .returning(users.c.pk)
        ).scalar_one()
    )


def check_password_length(password: str) -> None:
    """InvalidInputError unless ``password`` is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def set_password(
    conn: Connection,
    username: str,
    password: str,
    *,
    must_change: bool = False,
    keep_session: str | None = None,
) -> int:
    """Replace a user's password and end their sessions but ``keep_session`` (a token).

    ``must_change`` marks it temporary (an admin's reset). Returns the user's pk.
    """
    check_password_length(password)
    pk = user_pk(conn, username)
    conn.execute(
        update(users)
        .where(users.c.pk == pk)
        .values(password_hash=hash_password(password), must_change_password=must_change)
    )
    ended = delete(sessions).where(sessions.c.user_pk == pk)
    if keep_session is not None:
        ended = ended.where(sessions.c.token_hash != token_hash(keep_session))
    conn.execute(ended)
    return pk


def count_admins(conn: Connection, *, enabled_only: bool = False) -> int:
    """How many admin users exist (only those not disabled, with ``enabled_only``)."""
    query = select(func.count()).where(users.c.is_admin.is_(True))
    if enabled_only:
        query = query.where(users.c.disabled_at.is_(None))
    return int(conn.scalar(query) or 0)


def _principal(row: Any, via: str, csrf: str | None = None) -> Principal:
    return Principal(
        via=via,  # type: ignore[arg-type]
        user_pk=row.pk,
        username=row.username,
        is_admin=bool(row.is_admin),
        csrf_token=csrf,
        must_change_password=bool(row.must_change_password),
    )


def check_password(conn: Connection, username: str, password: str) -> Principal | None:
    """The user if ``password`` is theirs, else None (same answer for unknown users).

    PermissionDeniedError when the password is right but an admin disabled the account.
    """
    row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
    if row is None:
        verify_password(None, password)
        return None
    if not verify_password(row.password_hash, password):
        return None
    if row.disabled_at is not None:
        raise PermissionDeniedError(
            f"the account {username!r} is disabled: ask an admin of this server to enable it"
        )
    return _principal(row, "session")


def open_session(conn: Connection, user_pk: int) -> tuple[str, str]:
    """Start a browser session; returns (session token, CSRF token)."""
    token, csrf = new_token(), new_token()
    now = time.time()
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash(token),
            user_pk=user_pk,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_TTL_S,
        )
    )
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))
    return token, csrf


def session_principal(conn: Connection, token: str) -> Principal | None:
    """The user of a live session token, else None."""
    row = conn.execute(
        select(users, sessions.c.csrf_token)
        .join(sessions, sessions.c.user_pk == users.c.pk)
        .where(
            sessions.c.token_hash == token_hash(token),
            sessions.c.expires_at > time.time(),
            users.c.disabled_at.is_(None),
        )
    ).one_or_none()
    return None if row is None else _principal(row, "session", row.csrf_token)


def close_session(conn: Connection, token: str) -> None:
    """End a session (unknown tokens are ignored)."""
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def create_api_key(conn: Connection, user_pk: int, name: str) -> tuple[str, dict[str, Any]]:
    """Create an API key; returns the key (shown once, never stored) and its listing entry."""
    if not name.strip() or len(name) > 128:
        raise InvalidInputError("an API key name must have 1 to 128 characters")
    key = new_api_key()
    now = time.time()
    pk = conn.execute(
        insert(api_keys)
        .values(
            user_pk=user_pk,
            key_hash=token_hash(key),
            prefix=key[:12],
            name=name,
            created_at=now,
        )
        .returning(api_keys.c.pk)
    ).scalar_one()
    return key, {
        "id": pk,
        "name": name,
        "prefix": key[:12],
        "created_at": now,
        "last_used_at": None,
    }


def list_api_keys(conn: Connection, user_pk: int) -> list[dict[str, Any]]:
    """A user's API keys (prefixes only)."""
    rows = conn.execute(
        select(api_keys).where(api_keys.c.user_pk == user_pk).order_by(api_keys.c.pk)
    ).all()
    return [
        {
            "id": r.pk,
            "name": r.name,
            "prefix": r.prefix,
            "created_at": r.created_at,
            "last_used_at": r.last_used_at,
        }
        for r in rows
    ]


def delete_api_key(conn: Connection, user_pk: int, key_id: int) -> None:
    """Revoke one of the user's keys; NotFoundError when it is not theirs."""
    result = conn.execute(
        delete(api_keys).where(api_keys.c.pk == key_id, api_keys.c.user_pk == user_pk)
    )
    if not result.rowcount:
        raise NotFoundError(f"you have no API key with id {key_id}")


def api_key_principal(conn: Connection, key: str) -> Principal | None:
    """The owner of an API key, else None; records when the key was last used."""
    row = conn.execute(
        select(users, api_keys.c.pk.label("key_pk"), api_keys.c.last_used_at)
        .join(api_keys, api_keys.c.user_pk == users.c.pk)
        .where(api_keys.c.key_hash == token_hash(key), users.c.disabled_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    now = time.time()
    if row.last_used_at is None or now - row.last_used_at > _KEY_TOUCH_INTERVAL_S:
        conn.execute(update(api_keys).where(api_keys.c.pk == row.key_pk).values(last_used_at=now))
    return _principal(row, "api_key")


def user_pk(conn: Connection, username: str) -> int:
    """The user's pk; NotFoundError when there is no such user."""
    pk = conn.scalar(select(users.c.pk).where(users.c.username == username))
    if pk is None:
        raise NotFoundError(f"user {username!r} does not exist")
    return int(pk)


def create_team(conn: Connection, name: str, admin_user_pk: int | None) -> None:
    """Create a team entity with ``admin_user_pk`` (when given) as its admin."""
    check_name(name, "team")
    if conn.scalar(select(entities.c.pk).where(entities.c.name == name)) is not None:
        raise ConflictError(f"the name {name!r} is already taken by a user or team")
    team_pk = ensure_entity(conn, name, "team")
    if admin_user_pk is not None:
        upsert(
            conn,
            memberships,
            {"entity_pk": team_pk, "user_pk": admin_user_pk, "role": "admin"},
            ("entity_pk", "user_pk"),
        )


def set_team_member(conn: Connection, team: str, username: str, role: str) -> None:
    """Add a user to a team with ``role`` or change their role."""
    team_pk = conn.scalar(
        select(entities.c.pk).where(entities.c.name == team, entities.c.kind == "team")
    )
    if team_pk is None:
        raise NotFoundError(f"team {team!r} does not exist")
    member_pk = user_pk(conn, username)
    if role != "admin":
        admins = (
            conn.execute(
                select(memberships.c.user_pk).where(
                    memberships.c.entity_pk == team_pk, memberships.c.role == "admin"
                )
            )
            .scalars()
            .all()
        )
        if list(admins) == [member_pk]:
            raise ConflictError(
                f"{username!r} is the last admin of team {team!r}: make another member admin first"
            )
    upsert(
        conn,
        memberships,
        {"entity_pk": team_pk, "user_pk": member_pk, "role": role},
        ("entity_pk", "user_pk"),
    )


def set_project_member(conn: Connection, project_pk: int, username: str, role: str) -> None:
    """Give a user ``role`` on one project (or change it)."""
    upsert(
        conn,
        project_members,
        {"project_pk": project_pk, "user_pk": user_pk(conn, username), "role": role},
        ("project_pk", "user_pk"),
    )
