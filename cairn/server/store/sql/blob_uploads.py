"""Blob uploads in SQL: upload notes, existence answers that reveal nothing, upload sessions.

An existence answer holds the blobs rows it confirms (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
the write lock on SQLite) while it restarts their grace period, so a collection never deletes a
blob between the answer and the file record that references it. A row another transaction
holds is skipped rather than waited for: locking many rows in one statement while ingest locks
them one by one could otherwise deadlock, and a skipped blob only costs a re-upload.
"""

from __future__ import annotations

import abc
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.errors import NotFoundError
from cairn.server.auth.principal import Principal, role_at_least
from cairn.server.store.sql import blob_gc
from cairn.server.store.sql.access import authorize_write, project_role
from cairn.server.store.sql.projects import get_project
from cairn.server.store.sql.schema import blob_uploaders, blob_uploads, blobs
from cairn.server.store.uploads import UPLOAD_TTL_S, BlobUploads, UploadSession, split_project

_IN_CHUNK = 1000
"""Addresses per IN list (SQLite's default bound-parameter limit is far above)."""


def uploader_key(who: Principal) -> int:
    """Who an upload is noted under: the user's pk, 0 for an open server's one local user."""
    return who.user_pk if who.user_pk is not None else 0


def note_uploader(conn: Connection, sha256: str, uploader: int, now: float) -> None:
    """Remember that ``uploader`` sent the blob's bytes at ``now``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(blob_uploaders).values(sha256=sha256, uploader=uploader, uploaded_at=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["sha256", "uploader"], set_={"uploaded_at": now})
    )


def record_uploads(
    conn: Connection,
    sizes: Mapping[str, int],
    uploader: int,
    now: float,
    verify: Callable[[Sequence[str]], set[str]],
) -> set[str]:
    """Upsert the blobs rows of many uploads and note their uploader, in address order (two
    batches lock shared rows in the same order), then return ``verify`` of them."""
    shas = sorted(sizes)
    if not shas:
        return set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = dialect.insert(blobs)
    conn.execute(
        rows.on_conflict_do_update(index_elements=["sha256"], set_={"touched_at": now}),
        [{"sha256": s, "size": sizes[s], "created_at": now, "touched_at": now} for s in shas],
    )
    notes = dialect.insert(blob_uploaders)
    conn.execute(
        notes.on_conflict_do_update(
            index_elements=["sha256", "uploader"], set_={"uploaded_at": now}
        ),
        [{"sha256": s, "uploader": uploader, "uploaded_at": now} for s in shas],
    )
    return verify(shas)


def stored_in_project(conn: Connection, project_pk: int, shas: Sequence[str]) -> dict[str, int]:
    """sha256 → size of the stored blobs among ``shas`` that the project references."""
    wanted = sorted(set(shas))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        query = select(blobs.c.sha256, blobs.c.size).where(
            blobs.c.sha256.in_(wanted[start : start + _IN_CHUNK]),
            blob_gc.referenced_in_project(blobs.c.sha256, project_pk),
        )
        found.update((str(row.sha256), int(row.size)) for row in conn.execute(query))
    return found


def readable_project_pk(conn: Connection, who: Principal, project: str | None) -> int | None:
    """The project's key when it exists and the caller can read it, else None (no error)."""
    if project is None:
        return None
    entity, name = split_project(project)
    try:
        record = get_project(conn, entity, name)
    except NotFoundError:
        return None
    return record.pk if role_at_least(project_role(conn, who, record), "viewer") else None


def present(
    conn: Connection,
    shas: Sequence[str],
    project_pk: int | None,
    uploader: int,
    since: float,
    now: float,
    verify: Callable[[str], bool] | None,
) -> set[str]:
    """The stored blobs among ``shas`` the caller may skip, touched (see the module doc)."""
    mine = exists().where(
        blob_uploaders.c.sha256 == blobs.c.sha256,
        blob_uploaders.c.uploader == uploader,
        blob_uploaders.c.uploaded_at >= since,
    )
    allowed: ColumnElement[bool] = mine
    if project_pk is not None:
        allowed = or_(mine, blob_gc.referenced_in_project(blobs.c.sha256, project_pk))
    wanted = sorted(set(shas))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        query = (
            select(blobs.c.sha256)
            .where(blobs.c.sha256.in_(wanted[start : start + _IN_CHUNK]), allowed)
            .order_by(blobs.c.sha256)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(of=blobs, skip_locked=True)
        held = [str(sha) for sha in conn.scalars(query)]
        if verify is not None:
            held = [sha for sha in held if verify(sha)]
        if held:
            conn.execute(update(blobs).where(blobs.c.sha256.in_(held)).values(touched_at=now))
        found.update(held)
    return found


def _session(row: Row[Any]) -> UploadSession:
    return UploadSession(
        id=row.id,
        uploader=int(row.uploader),
        sha256=row.sha256,
        size=int(row.size),
        part_size=int(row.part_size),
        project=row.project,
        handle=row.handle,
        created_at=float(row.created_at),
        expires_at=float(row.expires_at),
    )


def open_upload(
    conn: Connection,
    uploader: int,
    sha256: str,
    size: int,
    project: str,
    part_size: int,
    begin: Callable[[str], str | None],
    now: float,
) -> tuple[UploadSession, UploadSession | None]:
    """See :meth:`BlobUploads.open_upload`; the caller has been authorized."""
    c = blob_uploads.c
    query = select(blob_uploads).where(c.uploader == uploader, c.sha256 == sha256)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    expires = now + UPLOAD_TTL_S
    if row is not None and row.expires_at > now and row.size == size:
        conn.execute(update(blob_uploads).where(c.id == row.id).values(expires_at=expires))
        return replace(_session(row), expires_at=expires), None
    replaced = None
    if row is not None:
        conn.execute(delete(blob_uploads).where(c.id == row.id))
        replaced = _session(row)
    upload_id = secrets.token_hex(16)
    values: dict[str, Any] = {
        "id": upload_id,
        "uploader": uploader,
        "sha256": sha256,
        "size": size,
        "part_size": part_size,
        "project": project,
        "handle": None,
        "created_at": now,
        "expires_at": expires,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    created = conn.execute(
        dialect.insert(blob_uploads)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["uploader", "sha256"])
    ).rowcount
    if not created:  # a concurrent call of the same caller made it first: share theirs
        theirs = conn.execute(
            select(blob_uploads).where(c.uploader == uploader, c.sha256 == sha256)
        ).one()
        return _session(theirs), replaced
    handle = begin(upload_id)
    conn.execute(update(blob_uploads).where(c.id == upload_id).values(handle=handle))
    return UploadSession(**{**values, "handle": handle}), replaced


class SqlBlobUploads(BlobUploads):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def record_blob_upload(
        self, who: Principal, sha256: str, size: int, verify: Callable[[], bool]
    ) -> bool:
        now = time.time()
        with self._write() as conn:
            note_uploader(conn, sha256, uploader_key(who), now)
            return blob_gc.touch(conn, sha256, size, now, verify)

    def record_blob_uploads(
        self,
        who: Principal,
        sizes: Mapping[str, int],
        verify: Callable[[Sequence[str]], set[str]],
    ) -> set[str]:
        with self._write() as conn:
            return record_uploads(conn, sizes, uploader_key(who), time.time(), verify)

    def project_blobs(self, project_pk: int, shas: Sequence[str]) -> dict[str, int]:
        with self._read() as conn:
            return stored_in_project(conn, project_pk, shas)

    def present_blobs(
        self,
        who: Principal,
        project: str | None,
        shas: Sequence[str],
        grace_s: float,
        verify: Callable[[str], bool] | None = None,
    ) -> set[str]:
        now = time.time()
        with self._write() as conn:
            project_pk = readable_project_pk(conn, who, project)
            since = now - max(grace_s, 0.0)
            return present(conn, shas, project_pk, uploader_key(who), since, now, verify)

    def open_upload(
        self,
        who: Principal,
        sha256: str,
        size: int,
        project: str,
        part_size: int,
        begin: Callable[[str], str | None],
        now: float | None = None,
    ) -> tuple[UploadSession, UploadSession | None]:
        entity, name = split_project(project)
        with self._write() as conn:
            authorize_write(conn, who, entity, name)
            return open_upload(
                conn,
                uploader_key(who),
                sha256,
                size,
                project,
                part_size,
                begin,
                time.time() if now is None else now,
            )

    def upload_session(
        self, who: Principal, upload_id: str, now: float | None = None
    ) -> UploadSession:
        c = blob_uploads.c
        with self._read() as conn:
            row = conn.execute(
                select(blob_uploads).where(
                    c.id == upload_id,
                    c.uploader == uploader_key(who),
                    c.expires_at > (time.time() if now is None else now),
                )
            ).first()
        if row is None:
            raise NotFoundError(
                f"upload {upload_id} does not exist or has expired: start it again with "
                "POST /api/v1/uploads"
            )
        return _session(row)

    def end_upload(self, upload_id: str) -> None:
        with self._write() as conn:
            conn.execute(delete(blob_uploads).where(blob_uploads.c.id == upload_id))

    def expired_uploads(self, now: float | None = None, limit: int = 1000) -> list[UploadSession]:
        c = blob_uploads.c
        with self._read() as conn:
            rows = conn.execute(
                select(blob_uploads)
                .where(c.expires_at <= (time.time() if now is None else now))
                .order_by(c.expires_at)
                .limit(limit)
            ).all()
        return [_session(row) for row in rows]

    def forget_uploaders(self, older_than: float) -> int:
        with self._write() as conn:
            return int(
                conn.execute(
                    delete(blob_uploaders).where(blob_uploaders.c.uploaded_at < older_than)
                ).rowcount
            )
