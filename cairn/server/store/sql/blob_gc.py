"""Blob bookkeeping for garbage collection: touches, references, and collection (design 0007).

A ``blobs`` row exists for every blob the server accepted; ``touched_at`` is its last upload or
existence check. A blob is collected when nothing references it and it was last touched before
the cutoff. The row lock (PostgreSQL) or the write lock (SQLite) is held while the bytes are
deleted and while an upload confirms its bytes, so the two never interleave on one blob.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, Connection, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.server.store.sql.schema import (
    artifact_collections,
    artifact_entries,
    artifact_versions,
    blob_md5s,
    blob_uploaders,
    blobs,
    run_files,
    runs,
)


def referenced(sha256: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether anything still points at the blob: every table that references blobs is here."""
    return or_(
        exists().where(run_files.c.sha256 == sha256),
        exists().where(artifact_entries.c.sha256 == sha256),
    )


def referenced_in_project(sha256: ColumnElement[str], project_pk: int) -> ColumnElement[bool]:
    """Whether anything in the project points at the blob (run files, media, artifact
    entries): every table that references blobs is here too, scoped to one project."""
    return or_(
        exists().where(
            run_files.c.sha256 == sha256,
            run_files.c.run_pk == runs.c.pk,
            runs.c.project_pk == project_pk,
        ),
        exists().where(
            artifact_entries.c.sha256 == sha256,
            artifact_entries.c.version_pk == artifact_versions.c.pk,
            artifact_versions.c.collection_pk == artifact_collections.c.pk,
            artifact_collections.c.project_pk == project_pk,
        ),
    )


def touch(
    conn: Connection, sha256: str, size: int | None, now: float, verify: Callable[[], bool]
) -> bool:
    """Start the blob's grace period again and return ``verify()`` while its row is locked.

    ``size`` given: the blob was just uploaded (its row is created when absent). ``size`` None:
    an existence check, which touches only an existing row and answers False without one.
    """
    if size is None:
        touched = conn.execute(
            update(blobs).where(blobs.c.sha256 == sha256).values(touched_at=now)
        ).rowcount
        if not touched:
            return False
    else:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(blobs).values(
            sha256=sha256, size=size, created_at=now, touched_at=now
        )
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["sha256"], set_={"touched_at": now})
        )
    return verify()


def candidates(conn: Connection, cutoff: float, limit: int) -> list[str]:
    """Blobs touched before ``cutoff`` that nothing references, oldest first."""
    rows = conn.execute(
        select(blobs.c.sha256)
        .where(blobs.c.touched_at < cutoff, ~referenced(blobs.c.sha256))
        .order_by(blobs.c.touched_at)
        .limit(limit)
    ).all()
    return [str(r.sha256) for r in rows]


def collect_one(
    conn: Connection, sha256: str, cutoff: float, delete_bytes: Callable[[str], None]
) -> int | None:
    """Delete one blob if it is still unreferenced and untouched since ``cutoff``.

    Returns its size when collected, None when it was touched or referenced meanwhile.
    """
    query = select(blobs.c.size).where(
        blobs.c.sha256 == sha256, blobs.c.touched_at < cutoff, ~referenced(blobs.c.sha256)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=blobs)
    size = conn.scalar(query)
    if size is None:
        return None
    delete_bytes(sha256)
    conn.execute(delete(blobs).where(blobs.c.sha256 == sha256))
    conn.execute(delete(blob_uploaders).where(blob_uploaders.c.sha256 == sha256))
    conn.execute(delete(blob_md5s).where(blob_md5s.c.sha256 == sha256))
    return int(size)
