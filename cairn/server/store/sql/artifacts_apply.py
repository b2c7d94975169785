"""Applying an ``artifact`` record inside an ingest transaction (design 0013, "Wire v2").

Everything that can refuse the record is checked before anything is written, so a refused
record leaves nothing behind (the batch's other records still apply). The collection row is
held for the rest of the transaction (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers),
so two batches logging the same name never race for a version number or a digest.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from cairn.errors import InvalidInputError
from cairn.server.jsonvalues import json_safe
from cairn.server.store.artifacts import AppliedArtifact
from cairn.server.store.sql.artifacts_reads import collection_row
from cairn.server.store.sql.schema import (
    artifact_aliases,
    artifact_collections,
    artifact_entries,
    artifact_links,
    artifact_log_ids,
    artifact_versions,
    blobs,
)
from cairn.server.store.sql.upsert import insert_ignore, upsert
from cairn.wire.artifacts import LATEST

_IN_CHUNK = 500
_ENTRY_ROWS = 5000
_MAX_METADATA_JSON = 1 << 20


def apply_artifact(
    conn: Connection, project_pk: int, run_pk: int, body: dict[str, Any], now: float
) -> AppliedArtifact:
    """Apply one validated ``artifact`` record logged by ``run_pk``; InvalidInputError refuses
    it with nothing written."""
    name, digest = body["name"], body["digest"]
    done = _applied_before(conn, project_pk, body["id"])
    if done is not None:
        return AppliedArtifact(body["id"], name, f"v{done[0]}", done[1])
    metadata = storable(body.get("metadata") or {}, "metadata")
    extras = {
        e["path"]: storable(e["extra"], f"entry {e['path']!r} extra")
        for e in body["entries"]
        if e.get("extra") is not None
    }
    aliases = [a for a in dict.fromkeys(body.get("aliases") or []) if a != LATEST]
    collection = _existing_collection(conn, project_pk, name, body["type"])
    existing = None if collection is None else _version_by_digest(conn, collection.pk, digest)
    if existing is None:
        _require_blobs(conn, body["entries"], name, now)
    if collection is None:
        collection = _create_collection(conn, project_pk, name, body["type"], now)
        existing = _version_by_digest(conn, collection.pk, digest)  # a racing writer's
    if existing is None:
        version_pk, index = _insert_version(conn, collection, body, metadata, extras, run_pk, now)
        move_alias(conn, collection.pk, LATEST, version_pk)
    else:
        version_pk, index = existing
    for alias in aliases:
        move_alias(conn, collection.pk, alias, version_pk)
    insert_ignore(
        conn,
        artifact_links,
        {"run_pk": run_pk, "version_pk": version_pk, "direction": "out", "at": now},
    )
    insert_ignore(
        conn,
        artifact_log_ids,
        {"project_pk": project_pk, "id": body["id"], "version_pk": version_pk},
    )
    conn.execute(
        update(artifact_collections)
        .where(artifact_collections.c.pk == collection.pk)
        .values(updated_at=now)
    )
    return AppliedArtifact(body["id"], name, f"v{index}", digest)


def move_alias(conn: Connection, collection_pk: int, alias: str, version_pk: int) -> None:
    """Point ``alias`` at the version (one statement: it moves atomically)."""
    upsert(
        conn,
        artifact_aliases,
        {"collection_pk": collection_pk, "alias": alias, "version_pk": version_pk},
        ("collection_pk", "alias"),
    )


def _applied_before(conn: Connection, project_pk: int, record_id: str) -> tuple[int, str] | None:
    v, ids = artifact_versions, artifact_log_ids
    row = conn.execute(
        select(v.c.version_index, v.c.digest)
        .join(ids, ids.c.version_pk == v.c.pk)
        .where(ids.c.project_pk == project_pk, ids.c.id == record_id)
    ).one_or_none()
    return None if row is None else (int(row.version_index), str(row.digest))


def storable(value: dict[str, Any], what: str) -> dict[str, Any]:
    """``value`` as the database stores it (non-finite floats named); refuse what JSON cannot
    hold (bytes, say) or what is larger than a megabyte."""
    stored: dict[str, Any] = json_safe(value)
    try:
        size = len(json.dumps(stored))
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"artifact {what} must hold JSON values only (strings, numbers, lists, maps)"
        ) from None
    if size > _MAX_METADATA_JSON:
        raise InvalidInputError(f"artifact {what} is larger than {_MAX_METADATA_JSON} bytes")
    return stored


def _existing_collection(
    conn: Connection, project_pk: int, name: str, type_: str
) -> Row[Any] | None:
    c = artifact_collections
    query = select(c).where(c.c.project_pk == project_pk, c.c.name == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    if row is not None and row.type != type_:
        raise InvalidInputError(
            f"artifact {name!r} is of type {row.type!r}, not {type_!r}: a name has one type; "
            "log it under another name"
        )
    return row


def _create_collection(
    conn: Connection, project_pk: int, name: str, type_: str, now: float
) -> Row[Any]:
    insert_ignore(
        conn,
        artifact_collections,
        {
            "project_pk": project_pk,
            "name": name,
            "type": type_,
            "description": None,
            "next_index": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    row = collection_row(conn, project_pk, name, lock=True)
    if row.type != type_:  # created meanwhile by another batch, with another type
        raise InvalidInputError(
            f"artifact {name!r} is of type {row.type!r}, not {type_!r}: a name has one type; "
            "log it under another name"
        )
    return row


def _version_by_digest(conn: Connection, collection_pk: int, digest: str) -> tuple[int, int] | None:
    v = artifact_versions
    row = conn.execute(
        select(v.c.pk, v.c.version_index).where(
            v.c.collection_pk == collection_pk, v.c.digest == digest
        )
    ).one_or_none()
    return None if row is None else (int(row.pk), int(row.version_index))


def _require_blobs(conn: Connection, entries: list[dict[str, Any]], name: str, now: float) -> None:
    """Refuse the record unless every file's blob is stored; touching the rows also locks
    them against a collection running now (design 0007)."""
    shas = sorted({e["sha256"] for e in entries if e.get("sha256")})
    found = 0
    for start in range(0, len(shas), _IN_CHUNK):
        chunk = shas[start : start + _IN_CHUNK]
        found += conn.execute(
            update(blobs).where(blobs.c.sha256.in_(chunk)).values(touched_at=now)
        ).rowcount
    if found == len(shas):
        return
    present: set[str] = set()
    for start in range(0, len(shas), _IN_CHUNK):
        chunk = shas[start : start + _IN_CHUNK]
        present.update(conn.scalars(select(blobs.c.sha256).where(blobs.c.sha256.in_(chunk))))
    missing = [e for e in entries if e.get("sha256") and e["sha256"] not in present]
    first = missing[0]
    raise InvalidInputError(
        f"artifact {name!r}: {len(missing)} file(s) are not on the server, the first "
        f"{first['path']!r} (blob {first['sha256']}); upload blobs (PUT /api/v1/blobs/{{sha256}}) "
        "before sending the artifact record"
    )


def _insert_version(
    conn: Connection,
    collection: Row[Any],
    body: dict[str, Any],
    metadata: dict[str, Any],
    extras: dict[str, dict[str, Any]],
    run_pk: int,
    now: float,
) -> tuple[int, int]:
    entries: list[dict[str, Any]] = body["entries"]
    index = int(
        conn.execute(
            select(artifact_collections.c.next_index).where(
                artifact_collections.c.pk == collection.pk
            )
        ).scalar_one()
    )
    ttl = body.get("ttl_s")
    version_pk = conn.execute(
        insert(artifact_versions)
        .values(
            collection_pk=collection.pk,
            version_index=index,
            digest=body["digest"],
            description=body.get("description"),
            metadata=metadata,
            file_count=len(entries),
            size=sum(int(e.get("size") or 0) for e in entries),
            created_by_run_pk=run_pk,
            created_at=now,
            expires_at=None if ttl is None else now + float(ttl),
        )
        .returning(artifact_versions.c.pk)
    ).scalar_one()
    conn.execute(
        update(artifact_collections)
        .where(artifact_collections.c.pk == collection.pk)
        .values(next_index=func.coalesce(artifact_collections.c.next_index, 0) + 1)
    )
    rows = [
        {
            "version_pk": version_pk,
            "path": e["path"],
            "sha256": e.get("sha256"),
            "size": e.get("size"),
            "md5": e.get("md5"),
            "ref": e.get("ref"),
            "checksum": e.get("checksum"),
            "extra": extras.get(e["path"]),
        }
        for e in entries
    ]
    for start in range(0, len(rows), _ENTRY_ROWS):
        conn.execute(insert(artifact_entries), rows[start : start + _ENTRY_ROWS])
    return int(version_pk), index
