"""Entities and projects in SQL: lookup, race-free creation, listing, edits."""

from __future__ import annotations

import time
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Row, and_, func, select, true, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.store.records import ProjectRecord
from cairn.server.store.sql.schema import entities, projects, runs
from cairn.server.store.sql.upsert import insert_ignore
from cairn.wire import check_name

VISIBILITIES = ("private", "team", "public")
Archived = Literal["exclude", "include", "only"]
"""Which archived rows a listing shows: none (the default), all, or only them."""


def archived_scope(column: ColumnElement[Any], archived: Archived) -> ColumnElement[bool]:
    """The condition on an ``archived_at`` column that ``archived`` asks for."""
    if archived == "include":
        return true()
    return column.is_(None) if archived == "exclude" else column.is_not(None)


def ensure_entity(conn: Connection, name: str, kind: str = "team") -> int:
    """Return the entity's pk, creating it (race-free) when absent."""
    check_name(name, "entity")
    pk = conn.scalar(select(entities.c.pk).where(entities.c.name == name))
    if pk is not None:
        return int(pk)
    insert_ignore(conn, entities, {"name": name, "kind": kind, "created_at": time.time()})
    return int(conn.execute(select(entities.c.pk).where(entities.c.name == name)).scalar_one())


def entity_pk(conn: Connection, name: str) -> int:
    """Return the entity's pk or raise NotFoundError."""
    pk = conn.scalar(select(entities.c.pk).where(entities.c.name == name))
    if pk is None:
        raise NotFoundError(f"entity {name!r} does not exist")
    return int(pk)


def ensure_project(conn: Connection, entity: str, project: str) -> int:
    """Return the project's pk, creating entity and project (race-free) when absent."""
    check_name(project, "project")
    ent_pk = ensure_entity(conn, entity)
    query = select(projects.c.pk).where(projects.c.entity_pk == ent_pk, projects.c.name == project)
    pk = conn.scalar(query)
    if pk is not None:
        return int(pk)
    now = time.time()
    insert_ignore(
        conn,
        projects,
        {
            "entity_pk": ent_pk,
            "name": project,
            "visibility": "private",
            "description": "",
            "created_at": now,
            "updated_at": now,
        },
    )
    return int(conn.execute(query).scalar_one())


def _project_select() -> Any:
    run_count = select(func.count()).where(runs.c.project_pk == projects.c.pk).scalar_subquery()
    return select(
        projects.c.pk,
        entities.c.name.label("entity"),
        projects.c.name,
        projects.c.visibility,
        projects.c.description,
        projects.c.created_at,
        projects.c.updated_at,
        projects.c.archived_at,
        run_count.label("run_count"),
    ).join(entities, entities.c.pk == projects.c.entity_pk)


def _to_record(row: Row[Any]) -> ProjectRecord:
    return ProjectRecord(
        pk=row.pk,
        entity=row.entity,
        name=row.name,
        visibility=row.visibility,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        run_count=int(row.run_count),
        archived_at=row.archived_at,
    )


def get_project(conn: Connection, entity: str, project: str) -> ProjectRecord:
    """Return one project or raise NotFoundError."""
    row = conn.execute(
        _project_select().where(entities.c.name == entity, projects.c.name == project)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"project {entity}/{project} does not exist")
    return _to_record(row)


def get_project_by_pk(conn: Connection, project_pk: int) -> ProjectRecord:
    """Return one project by its key or raise NotFoundError."""
    row = conn.execute(_project_select().where(projects.c.pk == project_pk)).one_or_none()
    if row is None:
        raise NotFoundError(f"project #{project_pk} does not exist")
    return _to_record(row)


def list_projects(
    conn: Connection,
    entity: str | None,
    search: str | None,
    offset: int,
    limit: int,
    visible: ColumnElement[bool],
    archived: Archived = "exclude",
) -> tuple[list[ProjectRecord], int]:
    """Return a page of the ``visible`` projects, most recently active first, and their count."""
    scope = and_(visible, archived_scope(projects.c.archived_at, archived))
    query = _project_select().where(scope)
    count = select(func.count()).select_from(projects.join(entities)).where(scope)
    if entity is not None:
        query = query.where(entities.c.name == entity)
        count = count.where(entities.c.name == entity)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cond = projects.c.name.ilike(pattern, escape="\\")
        query = query.where(cond)
        count = count.where(cond)
    rows = conn.execute(
        query.order_by(projects.c.updated_at.desc(), projects.c.pk.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [_to_record(r) for r in rows], int(conn.scalar(count) or 0)


def update_project(
    conn: Connection,
    project_pk: int,
    *,
    name: str | None = None,
    visibility: str | None = None,
    description: str | None = None,
    archived: bool | None = None,
) -> None:
    """Rename, edit, archive or restore a project; ConflictError when the new name is taken."""
    values: dict[str, Any] = {}
    if archived is not None:
        current = conn.scalar(select(projects.c.archived_at).where(projects.c.pk == project_pk))
        if archived != (current is not None):
            values["archived_at"] = time.time() if archived else None
    if name is not None:
        check_name(name, "project")
        ent_pk = conn.scalar(select(projects.c.entity_pk).where(projects.c.pk == project_pk))
        taken = conn.scalar(
            select(projects.c.pk).where(
                projects.c.entity_pk == ent_pk, projects.c.name == name, projects.c.pk != project_pk
            )
        )
        if taken is not None:
            raise ConflictError(f"a project named {name!r} already exists in this entity")
        values["name"] = name
    if visibility is not None:
        if visibility not in VISIBILITIES:
            raise InvalidInputError(f"visibility must be one of {list(VISIBILITIES)}")
        values["visibility"] = visibility
    if description is not None:
        values["description"] = description
    if values:
        conn.execute(update(projects).where(projects.c.pk == project_pk).values(**values))


def touch_project(conn: Connection, project_pk: int, now: float) -> None:
    """Record activity on a project (its last-activity time)."""
    conn.execute(
        update(projects)
        .where(projects.c.pk == project_pk, projects.c.updated_at < now)
        .values(updated_at=now)
    )
