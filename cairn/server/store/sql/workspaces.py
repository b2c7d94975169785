"""Workspace layouts in SQL: the project's default, each user's own, and named views."""

from __future__ import annotations

import time
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, select, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.naming import new_run_id
from cairn.server.store.records import ViewRecord, WorkspaceLayout
from cairn.server.store.sql.schema import user_workspaces, views, workspaces
from cairn.server.store.sql.upsert import upsert

MAX_VIEWS = 1000
"""Most named views one project keeps."""


def get_workspace(conn: Connection, project_pk: int, user_pk: int | None) -> WorkspaceLayout | None:
    """The user's own layout when saved, else the project's default; None when neither."""
    if user_pk is not None:
        row = conn.execute(
            select(user_workspaces.c.layout, user_workspaces.c.updated_at).where(
                user_workspaces.c.project_pk == project_pk, user_workspaces.c.user_pk == user_pk
            )
        ).first()
        if row is not None:
            return WorkspaceLayout(orjson.loads(row.layout), float(row.updated_at), "user")
    row = conn.execute(
        select(workspaces.c.layout, workspaces.c.updated_at).where(
            workspaces.c.project_pk == project_pk
        )
    ).first()
    if row is None:
        return None
    return WorkspaceLayout(orjson.loads(row.layout), float(row.updated_at), "project")


def save_workspace(
    conn: Connection, project_pk: int, user_pk: int, layout: Any, now: float
) -> None:
    """Replace one user's own layout of the project."""
    upsert(
        conn,
        user_workspaces,
        {
            "project_pk": project_pk,
            "user_pk": user_pk,
            "layout": orjson.dumps(layout).decode(),
            "updated_at": now,
        },
        ("project_pk", "user_pk"),
    )


def save_default_workspace(
    conn: Connection, project_pk: int, layout: Any, now: float, username: str | None
) -> None:
    """Replace the project's default layout (what users without their own see)."""
    upsert(
        conn,
        workspaces,
        {
            "project_pk": project_pk,
            "layout": orjson.dumps(layout).decode(),
            "updated_at": now,
            "updated_by": username,
        },
        ("project_pk",),
    )


def forget_workspace(conn: Connection, project_pk: int, user_pk: int) -> None:
    """Drop the user's own layout (they see the project's default again)."""
    conn.execute(
        delete(user_workspaces).where(
            user_workspaces.c.project_pk == project_pk, user_workspaces.c.user_pk == user_pk
        )
    )


def _view(row: Any, with_layout: bool = True) -> ViewRecord:
    return ViewRecord(
        id=row.id,
        name=row.name,
        layout=orjson.loads(row.layout) if with_layout else None,
        created_by=row.created_by,
        created_at=float(row.created_at),
        updated_at=float(row.updated_at),
    )


def list_views(conn: Connection, project_pk: int) -> list[ViewRecord]:
    """The project's named views by name (without their layouts)."""
    rows = conn.execute(
        select(views).where(views.c.project_pk == project_pk).order_by(views.c.name)
    ).all()
    return [_view(r, with_layout=False) for r in rows]


def get_view(conn: Connection, project_pk: int, view_id: str) -> ViewRecord:
    """One named view with its layout; NotFoundError when absent."""
    row = conn.execute(
        select(views).where(views.c.project_pk == project_pk, views.c.id == view_id)
    ).first()
    if row is None:
        raise NotFoundError(f"this project has no view {view_id!r}")
    return _view(row)


def _check_name(conn: Connection, project_pk: int, name: str, except_id: str | None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInputError("a view needs a name")
    query = select(views.c.id).where(views.c.project_pk == project_pk, views.c.name == name)
    taken = conn.scalar(query)
    if taken is not None and taken != except_id:
        raise ConflictError(f"this project already has a view named {name!r}")
    return name


def create_view(
    conn: Connection, project_pk: int, name: str, layout: Any, username: str | None
) -> ViewRecord:
    """Save a layout as a named view of the project; ConflictError when the name is taken."""
    name = _check_name(conn, project_pk, name, None)
    count = conn.scalar(select(func.count()).where(views.c.project_pk == project_pk)) or 0
    if count >= MAX_VIEWS:
        raise InvalidInputError(f"a project keeps at most {MAX_VIEWS} views; delete some first")
    now = time.time()
    view_id = new_run_id()
    while conn.scalar(
        select(views.c.pk).where(views.c.project_pk == project_pk, views.c.id == view_id)
    ):
        view_id = new_run_id()
    conn.execute(
        insert(views).values(
            project_pk=project_pk,
            id=view_id,
            name=name,
            layout=orjson.dumps(layout).decode(),
            created_by=username,
            created_at=now,
            updated_at=now,
        )
    )
    return get_view(conn, project_pk, view_id)


def update_view(
    conn: Connection, project_pk: int, view_id: str, name: str | None, layout: Any | None
) -> ViewRecord:
    """Rename a view or replace its layout."""
    get_view(conn, project_pk, view_id)
    values: dict[str, Any] = {"updated_at": time.time()}
    if name is not None:
        values["name"] = _check_name(conn, project_pk, name, view_id)
    if layout is not None:
        values["layout"] = orjson.dumps(layout).decode()
    conn.execute(
        update(views)
        .where(views.c.project_pk == project_pk, views.c.id == view_id)
        .values(**values)
    )
    return get_view(conn, project_pk, view_id)


def delete_view(conn: Connection, project_pk: int, view_id: str) -> None:
    """Delete a named view; NotFoundError when absent."""
    gone = conn.execute(
        delete(views).where(views.c.project_pk == project_pk, views.c.id == view_id)
    ).rowcount
    if not gone:
        raise NotFoundError(f"this project has no view {view_id!r}")
