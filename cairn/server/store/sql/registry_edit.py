"""Model-registry writes in SQL: models, links, aliases, unlinks; each with its audit event and
its automation events, in the caller's transaction.

The model row is held for the rest of the transaction (``FOR UPDATE`` on PostgreSQL; SQLite
serialises writers), so two links racing for a version number or an alias never interleave.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.store.registry import MAX_TAGS
from cairn.server.store.sql.automation_events import emit
from cairn.server.store.sql.registry_reads import (
    entity_pk,
    model_row,
    resolve_version_row,
    version_rows,
)
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
from cairn.server.store.sql.upsert import upsert
from cairn.wire.artifacts import check_alias, check_artifact_name

MODEL_FIELDS = frozenset({"description", "tags"})
MAX_DESCRIPTION = 65_536


def audit(
    conn: Connection,
    model_pk: int,
    actor: str | None,
    action: str,
    details: dict[str, Any],
    now: float,
) -> None:
    """Append one event to the model's audit trail."""
    conn.execute(
        insert(audit_events).values(
            model_pk=model_pk, at=now, actor=actor, action=action, details=details
        )
    )


def check_tags(tags: object) -> list[str]:
    """Distinct tags in order; InvalidInputError unless a list of 1-128 character strings."""
    if not isinstance(tags, list | tuple) or not all(
        isinstance(t, str) and 0 < len(t) <= 128 for t in tags
    ):
        raise InvalidInputError("tags must be a list of strings of 1 to 128 characters")
    out = list(dict.fromkeys(tags))
    if len(out) > MAX_TAGS:
        raise InvalidInputError(f"a registered model has at most {MAX_TAGS} tags")
    return out


def _check_description(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_DESCRIPTION):
        raise InvalidInputError(f"description must be text of at most {MAX_DESCRIPTION} characters")
    return value


def create_model(
    conn: Connection,
    entity: str,
    name: str,
    description: str | None,
    tags: Sequence[str],
    actor: str | None,
    now: float,
    *,
    exist_ok: bool = False,
) -> Row[Any]:
    """Create the model (audit ``created``) and return its row, locked; with ``exist_ok`` an
    existing one is returned as it is."""
    check_artifact_name(name, "registered model name")
    values = {
        "entity_pk": entity_pk(conn, entity),
        "name": name,
        "description": _check_description(description),
        "tags": check_tags(list(tags)),
        "next_index": 0,
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    created = conn.execute(
        dialect.insert(registered_models)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(registered_models.c.pk)
    ).scalar_one_or_none()
    row = model_row(conn, entity, name, lock=True)
    if created is None:
        if not exist_ok:
            raise ConflictError(f"registered model {entity}/{name} exists already")
        return row
    audit(conn, row.pk, actor, "created", {"name": name}, now)
    return row


def update_model(
    conn: Connection,
    entity: str,
    name: str,
    changes: Mapping[str, Any],
    actor: str | None,
    now: float,
) -> None:
    """Replace description and/or tags (audit ``edited`` naming the fields that changed)."""
    unknown = set(changes) - MODEL_FIELDS
    if unknown:
        raise InvalidInputError(
            f"cannot change {sorted(unknown)}; a model's editable fields are description, tags"
        )
    model = model_row(conn, entity, name, lock=True)
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = _check_description(changes["description"])
    if "tags" in changes:
        values["tags"] = check_tags(changes["tags"] or [])
    changed = {k: v for k, v in values.items() if getattr(model, k) != v}
    if not changed:
        return
    conn.execute(
        update(registered_models)
        .where(registered_models.c.pk == model.pk)
        .values(**changed, updated_at=now)
    )
    audit(conn, model.pk, actor, "edited", {"fields": sorted(changed), **changed}, now)


def delete_model(conn: Connection, entity: str, name: str) -> None:
    """Delete the model; its versions, aliases and audit go by cascade."""
    model = model_row(conn, entity, name, lock=True)
    conn.execute(delete(registered_models).where(registered_models.c.pk == model.pk))


def _source_path(conn: Connection, artifact_version_pk: int) -> tuple[str, str]:
    """``(entity/project/name:vN, digest)`` of an artifact version; NotFoundError."""
    v, c = artifact_versions, artifact_collections
    row = conn.execute(
        select(
            entities.c.name.label("entity"),
            projects.c.name.label("project"),
            c.c.name,
            v.c.version_index,
            v.c.digest,
        )
        .join(c, c.c.pk == v.c.collection_pk)
        .join(projects, projects.c.pk == c.c.project_pk)
        .join(entities, entities.c.pk == projects.c.entity_pk)
        .where(v.c.pk == artifact_version_pk)
    ).one_or_none()
    if row is None:
        raise NotFoundError("that artifact version does not exist (deleted meanwhile?)")
    return f"{row.entity}/{row.project}/{row.name}:v{row.version_index}", str(row.digest)


def version_data(model: Row[Any], version: Row[Any]) -> dict[str, Any]:
    """A registry version as automation payloads show it."""
    path = f"{model.entity_name}/{model.name}"
    return {
        "model": {"entity": model.entity_name, "name": model.name, "path": path},
        "version": f"v{version.version_index}",
        "path": f"{path}:v{version.version_index}",
        "source": version.source_path,
        "digest": version.digest,
    }


def link(
    conn: Connection,
    entity: str,
    name: str,
    artifact_version_pk: int,
    aliases: Sequence[str],
    actor: str | None,
    now: float,
) -> tuple[Row[Any], Row[Any], bool]:
    """Link an artifact version (see RegistryStore.link_version); ``(model, version, new)``."""
    wanted = [check_alias(a) for a in dict.fromkeys(aliases)]
    source_path, digest = _source_path(conn, artifact_version_pk)
    model = create_model(conn, entity, name, None, (), actor, now, exist_ok=True)
    v = registry_versions
    found = version_rows(conn, model.pk, v.c.artifact_version_pk == artifact_version_pk)
    new = not found
    if found:
        version = found[0]
    else:
        index = int(model.next_index)
        conn.execute(
            insert(v).values(
                model_pk=model.pk,
                version_index=index,
                artifact_version_pk=artifact_version_pk,
                source_path=source_path,
                digest=digest,
                linked_by=actor,
                linked_at=now,
            )
        )
        conn.execute(
            update(registered_models)
            .where(registered_models.c.pk == model.pk)
            .values(next_index=index + 1, updated_at=now)
        )
        version = version_rows(conn, model.pk, v.c.version_index == index)[0]
        audit(conn, model.pk, actor, "linked",
              {"version": f"v{index}", "source": source_path, "digest": digest}, now)  # fmt: skip
        data = {**version_data(model, version), "aliases": wanted}
        emit(conn, model.entity_pk, entity, "version_linked", {"model": name}, data, actor, now)
    for alias in wanted:
        move(conn, model, alias, version, actor, now)
    return model, version, new


def move(
    conn: Connection, model: Row[Any], alias: str, version: Row[Any], actor: str | None, now: float
) -> None:
    """Point ``alias`` at ``version`` in one statement; audit and emit when it moved."""
    a = registry_aliases
    previous = conn.scalar(
        select(registry_versions.c.version_index)
        .join(a, a.c.version_pk == registry_versions.c.pk)
        .where(a.c.model_pk == model.pk, a.c.alias == alias)
    )
    if previous is not None and int(previous) == int(version.version_index):
        return
    upsert(conn, a, {"model_pk": model.pk, "alias": alias, "version_pk": version.pk},
           ("model_pk", "alias"))  # fmt: skip
    before = None if previous is None else f"v{previous}"
    after = f"v{version.version_index}"
    audit(conn, model.pk, actor, "alias_moved",
          {"alias": alias, "version": after, "previous": before}, now)  # fmt: skip
    _touch(conn, model.pk, now)
    data = {**version_data(model, version), "alias": alias, "previous": before}
    facts = {"model": model.name, "alias": alias}
    emit(conn, model.entity_pk, model.entity_name, "alias_moved", facts, data, actor, now)


def set_alias(
    conn: Connection, entity: str, name: str, alias: str, ref: str, actor: str | None, now: float
) -> tuple[Row[Any], Row[Any]]:
    """Move a client alias onto the version ``ref``; ``(model, version)``."""
    check_alias(alias)
    model = model_row(conn, entity, name, lock=True)
    version = resolve_version_row(conn, model, ref)
    move(conn, model, alias, version, actor, now)
    return model, version


def delete_alias(
    conn: Connection, entity: str, name: str, alias: str, actor: str | None, now: float
) -> None:
    """Remove an alias (audit ``alias_removed`` with the version it named)."""
    model = model_row(conn, entity, name, lock=True)
    a = registry_aliases
    index = conn.scalar(
        select(registry_versions.c.version_index)
        .join(a, a.c.version_pk == registry_versions.c.pk)
        .where(a.c.model_pk == model.pk, a.c.alias == alias)
    )
    if index is None:
        raise NotFoundError(f"registered model {entity}/{name} has no alias {alias!r}")
    conn.execute(delete(a).where(a.c.model_pk == model.pk, a.c.alias == alias))
    audit(conn, model.pk, actor, "alias_removed", {"alias": alias, "version": f"v{index}"}, now)
    _touch(conn, model.pk, now)


def unlink(
    conn: Connection, entity: str, name: str, ref: str, actor: str | None, now: float
) -> None:
    """Remove a registry version and its aliases (audit ``unlinked``)."""
    model = model_row(conn, entity, name, lock=True)
    version = resolve_version_row(conn, model, ref)
    aliases = list(
        conn.scalars(
            select(registry_aliases.c.alias)
            .where(registry_aliases.c.version_pk == version.pk)
            .order_by(registry_aliases.c.alias)
        )
    )
    conn.execute(delete(registry_versions).where(registry_versions.c.pk == version.pk))
    audit(conn, model.pk, actor, "unlinked",
          {"version": f"v{version.version_index}", "source": version.source_path,
           "aliases": aliases}, now)  # fmt: skip
    _touch(conn, model.pk, now)


def _touch(conn: Connection, model_pk: int, now: float) -> None:
    conn.execute(
        update(registered_models).where(registered_models.c.pk == model_pk).values(updated_at=now)
    )
