"""Artifact edits in SQL: descriptions, metadata, TTL, aliases, deletes and TTL expiry.

Deleting versions deletes their rows only (entries, aliases, links by cascade); their blobs stay
until garbage collection finds nothing else refers to them, after its grace period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.store.artifacts import CollectionRecord, VersionRecord
from cairn.server.store.sql.artifacts_apply import move_alias, storable
from cairn.server.store.sql.artifacts_reads import (
    collection_row,
    resolve_version,
    to_collections,
)
from cairn.server.store.sql.schema import artifact_aliases, artifact_collections, artifact_versions
from cairn.wire.artifacts import LATEST, check_alias

VERSION_FIELDS = frozenset({"description", "metadata", "ttl_s"})


def update_collection(
    conn: Connection, project_pk: int, name: str, description: str | None, now: float
) -> CollectionRecord:
    """Replace the description; the collection after."""
    row = collection_row(conn, project_pk, name, lock=True)
    conn.execute(
        update(artifact_collections)
        .where(artifact_collections.c.pk == row.pk)
        .values(description=description, updated_at=now)
    )
    return to_collections(conn, [collection_row(conn, project_pk, name)])[0]


def delete_collection(conn: Connection, project_pk: int, name: str) -> None:
    """Delete a collection and (by cascade) its versions, entries, aliases and links."""
    row = collection_row(conn, project_pk, name, lock=True)
    conn.execute(delete(artifact_collections).where(artifact_collections.c.pk == row.pk))


def update_version(
    conn: Connection, project_pk: int, name: str, ref: str, changes: Mapping[str, Any], now: float
) -> VersionRecord:
    """Change description, metadata and/or TTL of one version; the version after."""
    unknown = set(changes) - VERSION_FIELDS
    if unknown:
        raise InvalidInputError(f"unknown version fields {sorted(unknown)}")
    collection = collection_row(conn, project_pk, name, lock=True)
    version = resolve_version(conn, collection, ref)
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = changes["description"]
    if "metadata" in changes:
        values["metadata"] = storable(dict(changes["metadata"] or {}), "metadata")
    if "ttl_s" in changes:
        ttl = changes["ttl_s"]
        if ttl is not None and not ttl > 0:
            raise InvalidInputError("ttl_s must be > 0 seconds, or null to keep the version")
        values["expires_at"] = None if ttl is None else version.created_at + float(ttl)
    if values:
        conn.execute(
            update(artifact_versions).where(artifact_versions.c.pk == version.pk).values(**values)
        )
        _touch(conn, collection.pk, now)
    return resolve_version(conn, collection, version.version)


def delete_version(
    conn: Connection, project_pk: int, name: str, ref: str, delete_aliases: bool, now: float
) -> None:
    """Delete one version (see ArtifactStore.delete_version)."""
    collection = collection_row(conn, project_pk, name, lock=True)
    version = resolve_version(conn, collection, ref)
    held = [a for a in version.aliases if a != LATEST]
    if held and not delete_aliases:
        raise ConflictError(
            f"{version.path} holds the aliases {held}: move them to another version first, or "
            "pass delete_aliases=true to delete them with it"
        )
    drop_versions(conn, collection.pk, [version.pk], now)


def drop_versions(conn: Connection, collection_pk: int, version_pks: list[int], now: float) -> None:
    """Delete versions of one collection and keep ``latest`` on the newest one left."""
    conn.execute(delete(artifact_versions).where(artifact_versions.c.pk.in_(version_pks)))
    refresh_latest(conn, collection_pk)
    _touch(conn, collection_pk, now)


def refresh_latest(conn: Connection, collection_pk: int) -> None:
    """Point ``latest`` at the collection's highest version (none left: no ``latest``)."""
    v = artifact_versions
    newest = conn.scalar(
        select(v.c.pk)
        .where(v.c.collection_pk == collection_pk)
        .order_by(v.c.version_index.desc())
        .limit(1)
    )
    if newest is None:
        conn.execute(
            delete(artifact_aliases).where(
                artifact_aliases.c.collection_pk == collection_pk,
                artifact_aliases.c.alias == LATEST,
            )
        )
    else:
        move_alias(conn, collection_pk, LATEST, int(newest))


def set_alias(
    conn: Connection, project_pk: int, name: str, alias: str, ref: str, now: float
) -> VersionRecord:
    """Point a client alias at a version (moved in one statement)."""
    check_alias(alias)
    collection = collection_row(conn, project_pk, name, lock=True)
    version = resolve_version(conn, collection, ref)
    move_alias(conn, collection.pk, alias, version.pk)
    _touch(conn, collection.pk, now)
    return resolve_version(conn, collection, version.version)


def delete_alias(conn: Connection, project_pk: int, name: str, alias: str, now: float) -> None:
    """Remove a client alias."""
    if alias == LATEST:
        raise InvalidInputError(
            "alias 'latest' is managed by the server (it always names the newest version)"
        )
    collection = collection_row(conn, project_pk, name, lock=True)
    gone = conn.execute(
        delete(artifact_aliases).where(
            artifact_aliases.c.collection_pk == collection.pk, artifact_aliases.c.alias == alias
        )
    ).rowcount
    if not gone:
        raise NotFoundError(f"artifact {name!r} has no alias {alias!r}")
    _touch(conn, collection.pk, now)


def expired(conn: Connection, now: float, limit: int) -> list[tuple[int, int]]:
    """``(collection_pk, version_pk)`` of versions past their ``expires_at``, oldest first."""
    v = artifact_versions
    rows = conn.execute(
        select(v.c.collection_pk, v.c.pk)
        .where(v.c.expires_at.is_not(None), v.c.expires_at <= now)
        .order_by(v.c.expires_at)
        .limit(limit)
    )
    return [(int(c), int(p)) for c, p in rows]


def expire_collection(conn: Connection, collection_pk: int, now: float) -> int:
    """Delete the collection's expired versions (rechecked under its lock); how many."""
    c, v = artifact_collections, artifact_versions
    query = select(c.c.pk).where(c.c.pk == collection_pk)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    if conn.scalar(query) is None:
        return 0
    pks = list(
        conn.scalars(
            select(v.c.pk).where(
                v.c.collection_pk == collection_pk,
                v.c.expires_at.is_not(None),
                v.c.expires_at <= now,
            )
        )
    )
    if pks:
        drop_versions(conn, collection_pk, [int(p) for p in pks], now)
    return len(pks)


def _touch(conn: Connection, collection_pk: int, now: float) -> None:
    conn.execute(
        update(artifact_collections)
        .where(artifact_collections.c.pk == collection_pk)
        .values(updated_at=now)
    )
