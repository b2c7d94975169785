"""The artifacts part of the SQL metadata store: each method one transaction over the statement
modules ``artifacts_reads``, ``artifacts_edit`` and ``artifacts_lineage`` (``artifacts_apply``
runs inside ingest)."""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from cairn.server.auth.principal import Principal
from cairn.server.store.artifacts import (
    ArtifactDiff,
    ArtifactStore,
    CollectionRecord,
    EntryRecord,
    Lineage,
    VersionRecord,
)
from cairn.server.store.sql import artifacts_edit as edit
from cairn.server.store.sql import artifacts_lineage as lineage
from cairn.server.store.sql import artifacts_reads as reads
from cairn.server.store.sql.access import authorize_write
from cairn.server.store.sql.projects import ensure_project
from cairn.server.store.sql.runs import ensure_run
from cairn.wire import check_run_id

EXPIRE_BATCH = 1000
"""Versions a TTL pass looks at per read (it repeats until none are left)."""


class SqlArtifacts(ArtifactStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def artifact_types(self, project_pk: int) -> list[tuple[str, int]]:
        with self._read() as conn:
            return reads.artifact_types(conn, project_pk)

    def list_artifacts(
        self,
        project_pk: int,
        *,
        type_: str | None = None,
        search: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CollectionRecord]:
        with self._read() as conn:
            return reads.list_collections(conn, project_pk, type_, search, after, limit)

    def get_artifact(self, project_pk: int, name: str) -> CollectionRecord:
        with self._read() as conn:
            return reads.to_collections(conn, [reads.collection_row(conn, project_pk, name)])[0]

    def update_artifact(
        self, project_pk: int, name: str, description: str | None
    ) -> CollectionRecord:
        with self._write() as conn:
            return edit.update_collection(conn, project_pk, name, description, time.time())

    def delete_artifact(self, project_pk: int, name: str) -> None:
        with self._write() as conn:
            edit.delete_collection(conn, project_pk, name)

    def list_versions(
        self, project_pk: int, name: str, after: str | None, limit: int
    ) -> list[VersionRecord]:
        with self._read() as conn:
            return reads.list_versions(conn, project_pk, name, after, limit)

    def get_version(self, project_pk: int, name: str, ref: str) -> VersionRecord:
        with self._read() as conn:
            return reads.get_version(conn, project_pk, name, ref)

    def update_version(
        self, project_pk: int, name: str, ref: str, changes: Mapping[str, Any]
    ) -> VersionRecord:
        with self._write() as conn:
            return edit.update_version(conn, project_pk, name, ref, changes, time.time())

    def delete_version(
        self, project_pk: int, name: str, ref: str, *, delete_aliases: bool = False
    ) -> None:
        with self._write() as conn:
            edit.delete_version(conn, project_pk, name, ref, delete_aliases, time.time())

    def list_entries(
        self, version_pk: int, *, prefix: str = "", after: str | None = None, limit: int = 1000
    ) -> list[EntryRecord]:
        with self._read() as conn:
            return reads.list_entries(conn, version_pk, prefix, after, limit)

    def get_entry(self, version_pk: int, path: str) -> EntryRecord | None:
        with self._read() as conn:
            return reads.get_entry(conn, version_pk, path)

    def diff_versions(self, before_pk: int, after_pk: int) -> ArtifactDiff:
        with self._read() as conn:
            return reads.diff_versions(conn, before_pk, after_pk)

    def set_alias(self, project_pk: int, name: str, alias: str, ref: str) -> VersionRecord:
        with self._write() as conn:
            return edit.set_alias(conn, project_pk, name, alias, ref, time.time())

    def delete_alias(self, project_pk: int, name: str, alias: str) -> None:
        with self._write() as conn:
            edit.delete_alias(conn, project_pk, name, alias, time.time())

    def use_version(
        self, who: Principal, version_pk: int, entity: str, project: str, run_id: str
    ) -> None:
        now = time.time()
        with self._write() as conn:
            check_run_id(run_id)
            authorize_write(conn, who, entity, project)
            run_pk, _ = ensure_run(conn, ensure_project(conn, entity, project), run_id, now)
            lineage.use_version(conn, version_pk, run_pk, now)

    def version_lineage(self, who: Principal, version_pk: int, depth: int) -> Lineage:
        with self._read() as conn:
            return lineage.version_lineage(conn, who, version_pk, depth)

    def run_artifacts(
        self, who: Principal, run_pk: int
    ) -> tuple[list[VersionRecord], list[VersionRecord]]:
        with self._read() as conn:
            return lineage.run_artifacts(conn, who, run_pk)

    def expire_artifacts(self, now: float | None = None) -> int:
        at = time.time() if now is None else now
        count = 0
        while True:
            with self._read() as conn:
                due = edit.expired(conn, at, EXPIRE_BATCH)
            # one transaction per collection: a long pass never holds the write lock for long
            for collection_pk in dict.fromkeys(c for c, _ in due):
                with self._write() as conn:
                    count += edit.expire_collection(conn, collection_pk, at)
            if len(due) < EXPIRE_BATCH:
                return count
