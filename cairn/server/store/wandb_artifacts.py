"""The metadata store's part for W&B artifact uploads (design 0016): what the W&B client is
building between CreateArtifact and CommitArtifact, and the MD5 of stored blobs.

A W&B artifact becomes a Cairn version only when CommitArtifact applies an ``artifact`` record
(the ingest path); these rows hold the protocol's state until then, and afterwards map the id
the client was given to that version. Composed into
:class:`cairn.server.store.metadata.MetadataStore`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal
    from cairn.server.store.artifacts import VersionRecord

PENDING_TTL_S = 24 * 3600.0
"""How long an uncommitted W&B artifact is kept (as an upload session)."""


@dataclass(frozen=True, slots=True)
class WandbArtifact:
    """A version the W&B client creates: ``spec`` holds description, metadata, aliases and
    ``ttl_s``; ``version_pk`` is set once committed (and cleared if the version is deleted)."""

    pk: int
    project_pk: int
    run_pk: int
    entity: str
    project: str
    run_id: str
    name: str
    type: str
    wandb_digest: str
    spec: dict[str, Any]
    client_id: str | None
    manifest_sha256: str | None
    version_pk: int | None
    committed: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class KnownBlob:
    """A stored blob whose MD5 the server computed."""

    sha256: str
    size: int


class WandbArtifactStore(abc.ABC):
    """Pending W&B artifacts and blob MD5s; each method one transaction."""

    @abc.abstractmethod
    def begin_wandb_artifact(
        self,
        run_pk: int,
        name: str,
        type_: str,
        wandb_digest: str,
        spec: dict[str, Any],
        client_id: str | None,
    ) -> int:
        """Record a pending W&B artifact logged by ``run_pk``; its pk."""

    @abc.abstractmethod
    def wandb_artifact(self, pk: int) -> WandbArtifact:
        """One W&B artifact; NotFoundError when there is none (or it was dropped)."""

    @abc.abstractmethod
    def wandb_artifact_by_client_id(self, client_id: str) -> WandbArtifact | None:
        """The newest W&B artifact the client created with ``client_id``."""

    @abc.abstractmethod
    def wandb_digest_version(self, project_pk: int, name: str, wandb_digest: str) -> int | None:
        """A committed version of ``name`` that W&B logged with this manifest digest."""

    @abc.abstractmethod
    def wandb_version_digest(self, version_pk: int) -> str | None:
        """The W&B manifest digest a version was logged with through W&B (None: it was not)."""

    @abc.abstractmethod
    def set_wandb_manifest(self, pk: int, sha256: str) -> None:
        """Keep the blob of the artifact's uploaded W&B manifest."""

    @abc.abstractmethod
    def add_wandb_artifact_files(self, pk: int, files: Sequence[tuple[str, str, int]]) -> None:
        """Note files of the artifact on the server: ``(md5, sha256, size)`` each (the last
        one given for an MD5 wins)."""

    @abc.abstractmethod
    def wandb_artifact_files(self, pk: int) -> dict[str, KnownBlob]:
        """The artifact's files on the server by base64 MD5."""

    @abc.abstractmethod
    def commit_wandb_artifact(self, pk: int, version_pk: int) -> None:
        """Mark the artifact committed as ``version_pk`` (its file notes go)."""

    @abc.abstractmethod
    def remember_md5s(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Keep ``(sha256, md5)`` pairs the server computed from the bytes."""

    @abc.abstractmethod
    def blobs_with_md5(self, md5s: Sequence[str]) -> dict[str, list[KnownBlob]]:
        """Stored blobs by base64 MD5 (those whose MD5 the server computed)."""

    @abc.abstractmethod
    def md5s_of(self, shas: Sequence[str]) -> dict[str, str]:
        """The known base64 MD5 of each of ``shas`` (those computed so far)."""

    @abc.abstractmethod
    def readable_version(self, who: Principal, version_pk: int) -> VersionRecord:
        """A version in a project the caller can read; NotFoundError otherwise."""

    @abc.abstractmethod
    def drop_stale_wandb_artifacts(self, before: float) -> int:
        """Forget uncommitted W&B artifacts created before ``before``; how many."""
