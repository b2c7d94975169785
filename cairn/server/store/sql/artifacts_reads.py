"""Artifact reads in SQL: collections, versions (by number, alias or digest), entries, diffs.

Also the row-to-record conversions every artifact module shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.artifacts import (
    MAX_DIFF_ENTRIES,
    ArtifactDiff,
    CollectionRecord,
    EntryRecord,
    RunRef,
    VersionRecord,
)
from cairn.server.store.sql.schema import (
    artifact_aliases,
    artifact_collections,
    artifact_entries,
    artifact_versions,
    entities,
    projects,
    runs,
)
from cairn.wire.artifacts import LATEST, is_digest, version_index

_IN_CHUNK = 500
_run_projects = projects.alias("run_projects")
_run_entities = entities.alias("run_entities")


def version_select() -> Select[Any]:
    """Versions with their collection, project and the run that logged them."""
    v, c = artifact_versions, artifact_collections
    return (
        select(
            v,
            c.c.name.label("c_name"),
            c.c.type.label("c_type"),
            entities.c.name.label("entity_name"),
            projects.c.name.label("project_name"),
            runs.c.id.label("run_id"),
            runs.c.name.label("run_name"),
            runs.c.state.label("run_state"),
            _run_projects.c.name.label("run_project"),
            _run_entities.c.name.label("run_entity"),
        )
        .join(c, c.c.pk == v.c.collection_pk)
        .join(projects, projects.c.pk == c.c.project_pk)
        .join(entities, entities.c.pk == projects.c.entity_pk)
        .outerjoin(runs, runs.c.pk == v.c.created_by_run_pk)
        .outerjoin(_run_projects, _run_projects.c.pk == runs.c.project_pk)
        .outerjoin(_run_entities, _run_entities.c.pk == _run_projects.c.entity_pk)
    )


def aliases_of(conn: Connection, version_pks: Sequence[int]) -> dict[int, list[str]]:
    """Each version's aliases, sorted."""
    out: dict[int, list[str]] = {pk: [] for pk in version_pks}
    for start in range(0, len(version_pks), _IN_CHUNK):
        rows = conn.execute(
            select(artifact_aliases.c.version_pk, artifact_aliases.c.alias)
            .where(artifact_aliases.c.version_pk.in_(version_pks[start : start + _IN_CHUNK]))
            .order_by(artifact_aliases.c.alias)
        )
        for pk, alias in rows:
            out[pk].append(alias)
    return out


def to_versions(conn: Connection, rows: Sequence[Row[Any]]) -> list[VersionRecord]:
    """Records of version rows (from :func:`version_select`), with their aliases."""
    aliases = aliases_of(conn, [r.pk for r in rows])
    out = []
    for r in rows:
        logged_by = None
        if r.run_id is not None:
            logged_by = RunRef(r.run_entity, r.run_project, r.run_id, r.run_name, r.run_state)
        out.append(
            VersionRecord(
                pk=r.pk,
                collection_pk=r.collection_pk,
                entity=r.entity_name,
                project=r.project_name,
                name=r.c_name,
                type=r.c_type,
                index=int(r.version_index),
                digest=r.digest,
                aliases=aliases[r.pk],
                description=r.description,
                metadata=r.metadata if isinstance(r.metadata, dict) else {},
                file_count=int(r.file_count),
                size=int(r.size),
                created_at=r.created_at,
                expires_at=r.expires_at,
                logged_by=logged_by,
            )
        )
    return out


def versions_where(conn: Connection, *conditions: ColumnElement[bool]) -> list[VersionRecord]:
    """Versions matching ``conditions``, newest first within a collection."""
    query = version_select().where(*conditions)
    query = query.order_by(
        artifact_versions.c.collection_pk, artifact_versions.c.version_index.desc()
    )
    return to_versions(conn, conn.execute(query).all())


def collection_row(conn: Connection, project_pk: int, name: str, *, lock: bool = False) -> Row[Any]:
    """The collection ``name`` of the project; NotFoundError when absent."""
    c = artifact_collections
    query = select(c).where(c.c.project_pk == project_pk, c.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"artifact {name!r} does not exist in this project")
    return row


def resolve_version(conn: Connection, collection: Row[Any], ref: str) -> VersionRecord:
    """The version of ``collection`` that ``ref`` names: ``vN``, then an alias, then a digest."""
    v = artifact_versions
    index = version_index(ref)
    if index is not None:
        found = versions_where(conn, v.c.collection_pk == collection.pk, v.c.version_index == index)
    else:
        pk = conn.scalar(
            select(artifact_aliases.c.version_pk).where(
                artifact_aliases.c.collection_pk == collection.pk, artifact_aliases.c.alias == ref
            )
        )
        if pk is not None:
            found = versions_where(conn, v.c.pk == pk)
        elif is_digest(ref):
            found = versions_where(conn, v.c.collection_pk == collection.pk, v.c.digest == ref)
        else:
            found = []
    if not found:
        raise NotFoundError(f"artifact {collection.name!r} has no version or alias {ref!r}")
    return found[0]


def get_version(conn: Connection, project_pk: int, name: str, ref: str) -> VersionRecord:
    """The version ``ref`` of the project's collection ``name``."""
    return resolve_version(conn, collection_row(conn, project_pk, name), ref)


def list_versions(
    conn: Connection, project_pk: int, name: str, after: str | None, limit: int
) -> list[VersionRecord]:
    """Newest first, older than the ``vN`` ``after``."""
    collection = collection_row(conn, project_pk, name)
    v = artifact_versions
    conditions = [v.c.collection_pk == collection.pk]
    if after is not None:
        index = version_index(after)
        if index is None:
            raise InvalidInputError(f"after={after!r} must be a version such as v3 (from 'next')")
        conditions.append(v.c.version_index < index)
    query = version_select().where(*conditions).order_by(v.c.version_index.desc()).limit(limit)
    return to_versions(conn, conn.execute(query).all())


def to_collections(conn: Connection, rows: Sequence[Row[Any]]) -> list[CollectionRecord]:
    """Records of collection rows with their version counts and latest versions."""
    pks = [r.pk for r in rows]
    counts: dict[int, int] = {}
    latest: dict[int, VersionRecord] = {}
    for start in range(0, len(pks), _IN_CHUNK):
        chunk = pks[start : start + _IN_CHUNK]
        v = artifact_versions
        for pk, n in conn.execute(
            select(v.c.collection_pk, func.count())
            .where(v.c.collection_pk.in_(chunk))
            .group_by(v.c.collection_pk)
        ):
            counts[pk] = int(n)
        a = artifact_aliases
        latest_pks = select(a.c.version_pk).where(a.c.collection_pk.in_(chunk), a.c.alias == LATEST)
        for version in versions_where(conn, v.c.pk.in_(latest_pks)):
            latest[version.collection_pk] = version
    return [
        CollectionRecord(
            pk=r.pk,
            name=r.name,
            type=r.type,
            description=r.description,
            versions=counts.get(r.pk, 0),
            latest=latest.get(r.pk),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def list_collections(
    conn: Connection,
    project_pk: int,
    type_: str | None,
    search: str | None,
    after: str | None,
    limit: int,
) -> list[CollectionRecord]:
    """The project's collections by name (see ArtifactStore.list_artifacts)."""
    c = artifact_collections
    query = select(c).where(c.c.project_pk == project_pk)
    if type_ is not None:
        query = query.where(c.c.type == type_)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(c.c.name.ilike(pattern, escape="\\"))
    if after is not None:
        query = query.where(c.c.name > after)
    rows = conn.execute(query.order_by(c.c.name).limit(limit)).all()
    return to_collections(conn, rows)


def artifact_types(conn: Connection, project_pk: int) -> list[tuple[str, int]]:
    """Types with their number of collections."""
    c = artifact_collections
    rows = conn.execute(
        select(c.c.type, func.count())
        .where(c.c.project_pk == project_pk)
        .group_by(c.c.type)
        .order_by(c.c.type)
    )
    return [(str(t), int(n)) for t, n in rows]


def _entry(row: Row[Any]) -> EntryRecord:
    return EntryRecord(
        path=row.path,
        sha256=row.sha256,
        size=None if row.size is None else int(row.size),
        md5=row.md5,
        ref=row.ref,
        checksum=row.checksum,
        extra=row.extra,
    )


def list_entries(
    conn: Connection, version_pk: int, prefix: str, after: str | None, limit: int | None
) -> list[EntryRecord]:
    """A version's entries by path (see ArtifactStore.list_entries)."""
    e = artifact_entries
    query = select(e).where(e.c.version_pk == version_pk)
    if prefix:
        # An exact comparison of the start: LIKE ignores case on SQLite and needs escaping.
        query = query.where(func.substr(e.c.path, 1, len(prefix)) == prefix)
    if after is not None:
        query = query.where(e.c.path > after)
    query = query.order_by(e.c.path)
    if limit is not None:
        query = query.limit(limit)
    return [_entry(r) for r in conn.execute(query)]


def get_entry(conn: Connection, version_pk: int, path: str) -> EntryRecord | None:
    """One entry, or None."""
    e = artifact_entries
    row = conn.execute(
        select(e).where(and_(e.c.version_pk == version_pk, e.c.path == path))
    ).one_or_none()
    return None if row is None else _entry(row)


def _same_content(a: EntryRecord, b: EntryRecord) -> bool:
    return (a.sha256, a.ref, a.checksum) == (b.sha256, b.ref, b.checksum)


def diff_versions(conn: Connection, before_pk: int, after_pk: int) -> ArtifactDiff:
    """Entries added, removed and changed from ``before_pk`` to ``after_pk``."""
    counts = dict(
        conn.execute(
            select(artifact_versions.c.pk, artifact_versions.c.file_count).where(
                artifact_versions.c.pk.in_([before_pk, after_pk])
            )
        ).all()
    )
    if any(int(n) > MAX_DIFF_ENTRIES for n in counts.values()):
        raise InvalidInputError(
            f"one of these versions has more than {MAX_DIFF_ENTRIES} files: too many to diff; "
            "compare their manifests instead"
        )
    before = {e.path: e for e in list_entries(conn, before_pk, "", None, None)}
    after = {e.path: e for e in list_entries(conn, after_pk, "", None, None)}
    return ArtifactDiff(
        added=[after[p] for p in sorted(after.keys() - before.keys())],
        removed=[before[p] for p in sorted(before.keys() - after.keys())],
        changed=[
            (before[p], after[p])
            for p in sorted(before.keys() & after.keys())
            if not _same_content(before[p], after[p])
        ],
    )
