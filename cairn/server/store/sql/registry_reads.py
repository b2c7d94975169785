"""Model-registry reads in SQL: models, their versions with sources the caller may read, audit.

Also the row-to-record conversions the registry's write module shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.auth.principal import Principal
from cairn.server.store.registry import (
    AuditRecord,
    RegisteredModelRecord,
    RegistryVersionRecord,
    SourceStatus,
)
from cairn.server.store.sql.access import visible_projects
from cairn.server.store.sql.artifacts_reads import versions_where
from cairn.server.store.sql.schema import (
    artifact_collections,
    artifact_versions,
    audit_events,
    entities,
    projects,
    registered_models,
    registry_aliases,
    registry_versions,
)
from cairn.wire.artifacts import version_index

_IN_CHUNK = 500


def entity_pk(conn: Connection, entity: str) -> int:
    """The pk of the entity named ``entity``; NotFoundError when there is none."""
    pk = conn.scalar(select(entities.c.pk).where(entities.c.name == entity))
    if pk is None:
        raise NotFoundError(f"entity {entity!r} does not exist")
    return int(pk)


def model_row(conn: Connection, entity: str, name: str, *, lock: bool = False) -> Row[Any]:
    """The model ``name`` of the entity (with ``entity_name``); NotFoundError when absent."""
    m = registered_models
    query = (
        select(m, entities.c.name.label("entity_name"))
        .join(entities, entities.c.pk == m.c.entity_pk)
        .where(entities.c.name == entity, m.c.name == name)
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=m)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"registered model {entity}/{name} does not exist")
    return row


def to_models(conn: Connection, rows: Sequence[Row[Any]]) -> list[RegisteredModelRecord]:
    """Records of model rows (from :func:`model_row` or a listing) with counts and aliases."""
    pks = [r.pk for r in rows]
    counts: dict[int, int] = {}
    aliases: dict[int, dict[str, str]] = {pk: {} for pk in pks}
    v, a = registry_versions, registry_aliases
    for start in range(0, len(pks), _IN_CHUNK):
        chunk = pks[start : start + _IN_CHUNK]
        for pk, n in conn.execute(
            select(v.c.model_pk, func.count()).where(v.c.model_pk.in_(chunk)).group_by(v.c.model_pk)
        ):
            counts[pk] = int(n)
        for pk, alias, index in conn.execute(
            select(a.c.model_pk, a.c.alias, v.c.version_index)
            .join(v, v.c.pk == a.c.version_pk)
            .where(a.c.model_pk.in_(chunk))
            .order_by(a.c.alias)
        ):
            aliases[pk][alias] = f"v{index}"
    return [
        RegisteredModelRecord(
            pk=r.pk,
            entity=r.entity_name,
            name=r.name,
            description=r.description,
            tags=list(r.tags or []),
            versions=counts.get(r.pk, 0),
            aliases=aliases[r.pk],
            created_at=r.created_at,
            created_by=r.created_by,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def list_models(
    conn: Connection, entity: str, search: str | None, after: str | None, limit: int
) -> list[RegisteredModelRecord]:
    """The entity's models by name (see RegistryStore.list_registered_models)."""
    m = registered_models
    query = (
        select(m, entities.c.name.label("entity_name"))
        .join(entities, entities.c.pk == m.c.entity_pk)
        .where(m.c.entity_pk == entity_pk(conn, entity))
    )
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(m.c.name.ilike(pattern, escape="\\"))
    if after is not None:
        query = query.where(m.c.name > after)
    return to_models(conn, conn.execute(query.order_by(m.c.name).limit(limit)).all())


def to_versions(
    conn: Connection, who: Principal | None, model: Row[Any], rows: Sequence[Row[Any]]
) -> list[RegistryVersionRecord]:
    """Records of ``model``'s registry version rows; sources shown when ``who`` may read their
    project (``who`` None: always, for events and the store's own use)."""
    pks = [r.pk for r in rows]
    aliases: dict[int, list[str]] = {pk: [] for pk in pks}
    a = registry_aliases
    for start in range(0, len(pks), _IN_CHUNK):
        for pk, alias in conn.execute(
            select(a.c.version_pk, a.c.alias)
            .where(a.c.version_pk.in_(pks[start : start + _IN_CHUNK]))
            .order_by(a.c.alias)
        ):
            aliases[pk].append(alias)
    source_pks = [int(r.artifact_version_pk) for r in rows if r.artifact_version_pk is not None]
    sources = {
        s.pk: s
        for start in range(0, len(source_pks), _IN_CHUNK)
        for s in versions_where(
            conn, artifact_versions.c.pk.in_(source_pks[start : start + _IN_CHUNK])
        )
    }
    readable = _readable_versions(conn, who, source_pks)
    out = []
    for r in rows:
        source = sources.get(r.artifact_version_pk) if r.artifact_version_pk else None
        status: SourceStatus
        if source is None:
            status, path = "deleted", str(r.source_path)
        elif source.pk in readable:
            status, path = "visible", source.path
        else:
            status, path, source = "hidden", None, None
        out.append(
            RegistryVersionRecord(
                pk=r.pk,
                model_pk=model.pk,
                entity=model.entity_name,
                model=model.name,
                index=int(r.version_index),
                digest=r.digest,
                aliases=aliases[r.pk],
                linked_by=r.linked_by,
                linked_at=r.linked_at,
                source_status=status,
                source_path=path,
                source=source,
            )
        )
    return out


def _readable_versions(conn: Connection, who: Principal | None, version_pks: list[int]) -> set[int]:
    """The artifact versions among ``version_pks`` in projects ``who`` may read."""
    if who is None or who.is_superuser:
        return set(version_pks)
    v, c = artifact_versions, artifact_collections
    out: set[int] = set()
    for start in range(0, len(version_pks), _IN_CHUNK):
        out.update(
            conn.scalars(
                select(v.c.pk)
                .join(c, c.c.pk == v.c.collection_pk)
                .join(projects, projects.c.pk == c.c.project_pk)
                .where(v.c.pk.in_(version_pks[start : start + _IN_CHUNK]), visible_projects(who))
            )
        )
    return out


def version_rows(conn: Connection, model_pk: int, *conditions: Any) -> list[Row[Any]]:
    """The model's registry version rows matching ``conditions``, newest first."""
    v = registry_versions
    query = select(v).where(v.c.model_pk == model_pk, *conditions)
    return list(conn.execute(query.order_by(v.c.version_index.desc())).all())


def resolve_version_row(conn: Connection, model: Row[Any], ref: str) -> Row[Any]:
    """The registry version row ``ref`` names: ``vN``, else an alias; NotFoundError."""
    v = registry_versions
    index = version_index(ref)
    if index is not None:
        found = version_rows(conn, model.pk, v.c.version_index == index)
    else:
        pk = conn.scalar(
            select(registry_aliases.c.version_pk).where(
                registry_aliases.c.model_pk == model.pk, registry_aliases.c.alias == ref
            )
        )
        found = [] if pk is None else version_rows(conn, model.pk, v.c.pk == pk)
    if not found:
        raise NotFoundError(
            f"registered model {model.entity_name}/{model.name} has no version or alias {ref!r}"
        )
    return found[0]


def list_versions(
    conn: Connection, who: Principal, entity: str, name: str, after: str | None, limit: int
) -> list[RegistryVersionRecord]:
    """Newest first, older than the ``vN`` ``after``."""
    model = model_row(conn, entity, name)
    v = registry_versions
    conditions = []
    if after is not None:
        index = version_index(after)
        if index is None:
            raise InvalidInputError(f"after={after!r} must be a version such as v3 (from 'next')")
        conditions.append(v.c.version_index < index)
    query = select(v).where(v.c.model_pk == model.pk, *conditions)
    rows = conn.execute(query.order_by(v.c.version_index.desc()).limit(limit)).all()
    return to_versions(conn, who, model, rows)


def get_version(
    conn: Connection, who: Principal | None, entity: str, name: str, ref: str
) -> RegistryVersionRecord:
    """The registry version ``ref`` of the model."""
    model = model_row(conn, entity, name)
    return to_versions(conn, who, model, [resolve_version_row(conn, model, ref)])[0]


def list_audit(
    conn: Connection, entity: str, name: str, after: int | None, limit: int
) -> list[AuditRecord]:
    """Oldest first, after the event id ``after``."""
    model = model_row(conn, entity, name)
    e = audit_events
    query = select(e).where(e.c.model_pk == model.pk)
    if after is not None:
        query = query.where(e.c.pk > after)
    rows = conn.execute(query.order_by(e.c.pk).limit(limit))
    return [
        AuditRecord(id=r.pk, at=r.at, actor=r.actor, action=r.action, details=dict(r.details))
        for r in rows
    ]
