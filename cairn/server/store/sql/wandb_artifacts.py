"""W&B artifact uploads in SQL (design 0016): pending W&B artifacts, their files, blob MD5s."""

from __future__ import annotations

import abc
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from cairn.errors import NotFoundError
from cairn.server.auth.principal import Principal
from cairn.server.store.artifacts import VersionRecord
from cairn.server.store.sql.access import visible_projects
from cairn.server.store.sql.artifacts_reads import versions_where
from cairn.server.store.sql.schema import (
    artifact_versions,
    blob_md5s,
    blobs,
    entities,
    projects,
    runs,
    wandb_artifact_files,
    wandb_artifacts,
)
from cairn.server.store.sql.upsert import insert_ignore, upsert
from cairn.server.store.wandb_artifacts import KnownBlob, WandbArtifact, WandbArtifactStore

_IN_CHUNK = 500


def _select() -> Any:
    w = wandb_artifacts
    return (
        select(
            w,
            entities.c.name.label("entity_name"),
            projects.c.name.label("project_name"),
            runs.c.id.label("run_id"),
        )
        .join(projects, projects.c.pk == w.c.project_pk)
        .join(entities, entities.c.pk == projects.c.entity_pk)
        .join(runs, runs.c.pk == w.c.run_pk)
    )


def _record(row: Row[Any]) -> WandbArtifact:
    return WandbArtifact(
        pk=int(row.pk),
        project_pk=int(row.project_pk),
        run_pk=int(row.run_pk),
        entity=row.entity_name,
        project=row.project_name,
        run_id=row.run_id,
        name=row.name,
        type=row.type,
        wandb_digest=row.wandb_digest,
        spec=row.spec if isinstance(row.spec, dict) else {},
        client_id=row.client_id,
        manifest_sha256=row.manifest_sha256,
        version_pk=None if row.version_pk is None else int(row.version_pk),
        committed=row.committed_at is not None,
        created_at=row.created_at,
    )


class SqlWandbArtifacts(WandbArtifactStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def begin_wandb_artifact(
        self,
        run_pk: int,
        name: str,
        type_: str,
        wandb_digest: str,
        spec: dict[str, Any],
        client_id: str | None,
    ) -> int:
        with self._write() as conn:
            project_pk = conn.execute(select(runs.c.project_pk).where(runs.c.pk == run_pk)).scalar()
            if project_pk is None:
                raise NotFoundError("the run that logs this artifact does not exist")
            pk = conn.execute(
                insert(wandb_artifacts)
                .values(
                    project_pk=project_pk,
                    run_pk=run_pk,
                    name=name,
                    type=type_,
                    wandb_digest=wandb_digest,
                    spec=spec,
                    client_id=client_id,
                    created_at=time.time(),
                )
                .returning(wandb_artifacts.c.pk)
            ).scalar_one()
            return int(pk)

    def wandb_artifact(self, pk: int) -> WandbArtifact:
        with self._read() as conn:
            row = conn.execute(_select().where(wandb_artifacts.c.pk == pk)).one_or_none()
        if row is None:
            raise NotFoundError("no artifact has this id (an unfinished upload lasts a day)")
        return _record(row)

    def wandb_artifact_by_client_id(self, client_id: str) -> WandbArtifact | None:
        with self._read() as conn:
            row = conn.execute(
                _select()
                .where(wandb_artifacts.c.client_id == client_id)
                .order_by(wandb_artifacts.c.pk.desc())
                .limit(1)
            ).one_or_none()
        return None if row is None else _record(row)

    def wandb_digest_version(self, project_pk: int, name: str, wandb_digest: str) -> int | None:
        w = wandb_artifacts
        with self._read() as conn:
            pk = conn.execute(
                select(w.c.version_pk)
                .where(
                    w.c.project_pk == project_pk,
                    w.c.name == name,
                    w.c.wandb_digest == wandb_digest,
                    w.c.version_pk.is_not(None),
                )
                .order_by(w.c.pk.desc())
                .limit(1)
            ).scalar()
        return None if pk is None else int(pk)

    def wandb_version_digest(self, version_pk: int) -> str | None:
        w = wandb_artifacts
        with self._read() as conn:
            digest = conn.execute(
                select(w.c.wandb_digest).where(w.c.version_pk == version_pk).limit(1)
            ).scalar()
        return None if digest is None else str(digest)

    def set_wandb_manifest(self, pk: int, sha256: str) -> None:
        with self._write() as conn:
            conn.execute(
                update(wandb_artifacts)
                .where(wandb_artifacts.c.pk == pk)
                .values(manifest_sha256=sha256)
            )

    def add_wandb_artifact_files(self, pk: int, files: Sequence[tuple[str, str, int]]) -> None:
        with self._write() as conn:
            for md5, sha256, size in {f[0]: f for f in files}.values():
                upsert(
                    conn,
                    wandb_artifact_files,
                    {"artifact_pk": pk, "md5": md5, "sha256": sha256, "size": size},
                    ("artifact_pk", "md5"),
                )

    def wandb_artifact_files(self, pk: int) -> dict[str, KnownBlob]:
        f = wandb_artifact_files
        with self._read() as conn:
            rows = conn.execute(select(f.c.md5, f.c.sha256, f.c.size).where(f.c.artifact_pk == pk))
            return {r.md5: KnownBlob(r.sha256, int(r.size)) for r in rows}

    def commit_wandb_artifact(self, pk: int, version_pk: int) -> None:
        with self._write() as conn:
            conn.execute(
                update(wandb_artifacts)
                .where(wandb_artifacts.c.pk == pk)
                .values(version_pk=version_pk, committed_at=time.time())
            )
            conn.execute(
                delete(wandb_artifact_files).where(wandb_artifact_files.c.artifact_pk == pk)
            )

    def remember_md5s(self, pairs: Sequence[tuple[str, str]]) -> None:
        with self._write() as conn:
            for sha256, md5 in dict(pairs).items():
                insert_ignore(conn, blob_md5s, {"sha256": sha256, "md5": md5})

    def blobs_with_md5(self, md5s: Sequence[str]) -> dict[str, list[KnownBlob]]:
        wanted = sorted(set(md5s))
        out: dict[str, list[KnownBlob]] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                rows = conn.execute(
                    select(blob_md5s.c.md5, blobs.c.sha256, blobs.c.size)
                    .join(blobs, blobs.c.sha256 == blob_md5s.c.sha256)
                    .where(blob_md5s.c.md5.in_(wanted[start : start + _IN_CHUNK]))
                )
                for r in rows:
                    out.setdefault(r.md5, []).append(KnownBlob(r.sha256, int(r.size)))
        return out

    def md5s_of(self, shas: Sequence[str]) -> dict[str, str]:
        wanted = sorted(set(shas))
        out: dict[str, str] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                rows = conn.execute(
                    select(blob_md5s.c.sha256, blob_md5s.c.md5).where(
                        blob_md5s.c.sha256.in_(wanted[start : start + _IN_CHUNK])
                    )
                )
                out.update({r.sha256: r.md5 for r in rows})
        return out

    def readable_version(self, who: Principal, version_pk: int) -> VersionRecord:
        with self._read() as conn:
            found = versions_where(
                conn, artifact_versions.c.pk == version_pk, visible_projects(who)
            )
        if not found:
            raise NotFoundError("no artifact version has this id, or it is not yours to read")
        return found[0]

    def drop_stale_wandb_artifacts(self, before: float) -> int:
        w = wandb_artifacts
        with self._write() as conn:
            return int(
                conn.execute(
                    delete(w).where(w.c.committed_at.is_(None), w.c.created_at < before)
                ).rowcount
            )
