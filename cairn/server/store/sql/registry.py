"""The model-registry part of the SQL metadata store: each method one transaction over the
statement modules ``registry_reads`` and ``registry_edit``."""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from cairn.server.auth.principal import Principal
from cairn.server.store.registry import (
    AuditRecord,
    RegisteredModelRecord,
    RegistryStore,
    RegistryVersionRecord,
)
from cairn.server.store.sql import registry_edit as edit
from cairn.server.store.sql import registry_reads as reads


class SqlRegistry(RegistryStore):
    """The SQL implementation, mixed into the SQL metadata store."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]: ...

    def list_registered_models(
        self, entity: str, *, search: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[RegisteredModelRecord]:
        with self._read() as conn:
            return reads.list_models(conn, entity, search, after, limit)

    def create_registered_model(
        self,
        entity: str,
        name: str,
        *,
        description: str | None = None,
        tags: Sequence[str] = (),
        actor: str | None = None,
    ) -> RegisteredModelRecord:
        with self._write() as conn:
            row = edit.create_model(conn, entity, name, description, tags, actor, time.time())
            return reads.to_models(conn, [row])[0]

    def get_registered_model(self, entity: str, name: str) -> RegisteredModelRecord:
        with self._read() as conn:
            return reads.to_models(conn, [reads.model_row(conn, entity, name)])[0]

    def update_registered_model(
        self, entity: str, name: str, changes: Mapping[str, Any], actor: str | None = None
    ) -> RegisteredModelRecord:
        with self._write() as conn:
            edit.update_model(conn, entity, name, changes, actor, time.time())
            return reads.to_models(conn, [reads.model_row(conn, entity, name)])[0]

    def delete_registered_model(self, entity: str, name: str) -> None:
        with self._write() as conn:
            edit.delete_model(conn, entity, name)

    def link_version(
        self,
        who: Principal,
        entity: str,
        model: str,
        artifact_version_pk: int,
        aliases: Sequence[str] = (),
        actor: str | None = None,
    ) -> tuple[RegistryVersionRecord, bool]:
        with self._write() as conn:
            _, version, new = edit.link(
                conn, entity, model, artifact_version_pk, aliases, actor, time.time()
            )
            return reads.get_version(conn, who, entity, model, f"v{version.version_index}"), new

    def list_registry_versions(
        self, who: Principal, entity: str, model: str, after: str | None, limit: int
    ) -> list[RegistryVersionRecord]:
        with self._read() as conn:
            return reads.list_versions(conn, who, entity, model, after, limit)

    def get_registry_version(
        self, who: Principal, entity: str, model: str, ref: str
    ) -> RegistryVersionRecord:
        with self._read() as conn:
            return reads.get_version(conn, who, entity, model, ref)

    def unlink_version(self, entity: str, model: str, ref: str, actor: str | None = None) -> None:
        with self._write() as conn:
            edit.unlink(conn, entity, model, ref, actor, time.time())

    def set_registry_alias(
        self, who: Principal, entity: str, model: str, alias: str, ref: str, actor: str | None
    ) -> RegistryVersionRecord:
        with self._write() as conn:
            _, version = edit.set_alias(conn, entity, model, alias, ref, actor, time.time())
            return reads.get_version(conn, who, entity, model, f"v{version.version_index}")

    def delete_registry_alias(
        self, entity: str, model: str, alias: str, actor: str | None = None
    ) -> None:
        with self._write() as conn:
            edit.delete_alias(conn, entity, model, alias, actor, time.time())

    def list_audit(
        self, entity: str, model: str, after: int | None, limit: int
    ) -> list[AuditRecord]:
        with self._read() as conn:
            return reads.list_audit(conn, entity, model, after, limit)
