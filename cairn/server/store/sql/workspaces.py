"""The web app's saved workspace layout of a project: one JSON document per project."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select

from cairn.server.store.sql.schema import workspaces
from cairn.server.store.sql.upsert import upsert


def get_workspace(conn: Connection, project_pk: int) -> tuple[Any, float] | None:
    """The saved layout and when it was saved, or None when never saved."""
    row = conn.execute(
        select(workspaces.c.layout, workspaces.c.updated_at).where(
            workspaces.c.project_pk == project_pk
        )
    ).first()
    return None if row is None else (orjson.loads(row.layout), float(row.updated_at))


def save_workspace(
    conn: Connection, project_pk: int, layout: Any, now: float, username: str | None
) -> None:
    """Replace the project's layout (last writer wins)."""
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
