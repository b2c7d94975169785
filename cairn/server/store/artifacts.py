"""The metadata store's artifacts part (design 0013): collections of immutable versions, their
manifests, aliases, lineage, and TTL expiry.

A version is created only by applying an ``artifact`` record inside an ingest batch
(:meth:`IngestStore.apply_batch`); the methods here read, edit and delete. ``project_pk`` comes
from a resolved project (the caller's role already checked); a version reference ``ref`` is
``vN``, an alias, or a digest. NotFoundError names what is missing; ConflictError for a delete
that would drop aliases; InvalidInputError for a refused value. Composed into
:class:`cairn.server.store.metadata.MetadataStore`; contract in
tests/contract/test_artifact_store.py.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal

MAX_ARTIFACTS_PAGE = 1000
MAX_ENTRIES_PAGE = 10_000
MAX_LINEAGE_DEPTH = 6
MAX_LINEAGE_NODES = 1000
MAX_DIFF_ENTRIES = 200_000
"""Most entries either side of a diff may have (a diff is read whole)."""


@dataclass(frozen=True, slots=True)
class RunRef:
    """A run named in an artifact answer."""

    entity: str
    project: str
    id: str
    name: str
    state: str

    @property
    def path(self) -> str:
        """``entity/project/run_id``."""
        return f"{self.entity}/{self.project}/{self.id}"


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One version of an artifact."""

    pk: int
    collection_pk: int
    entity: str
    project: str
    name: str
    type: str
    index: int
    digest: str
    aliases: list[str]
    description: str | None
    metadata: dict[str, Any]
    file_count: int
    size: int
    created_at: float
    expires_at: float | None
    logged_by: RunRef | None

    @property
    def version(self) -> str:
        """``vN``."""
        return f"v{self.index}"

    @property
    def path(self) -> str:
        """``entity/project/name:vN``."""
        return f"{self.entity}/{self.project}/{self.name}:v{self.index}"


@dataclass(frozen=True, slots=True)
class CollectionRecord:
    """An artifact (all versions of one name) with its newest version."""

    pk: int
    name: str
    type: str
    description: str | None
    versions: int
    latest: VersionRecord | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """One manifest entry: a stored file (``sha256``) or a reference (``ref``, ``checksum``)."""

    path: str
    sha256: str | None
    size: int | None
    md5: str | None = None
    ref: str | None = None
    checksum: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AppliedArtifact:
    """An ``artifact`` record applied by an ingest batch (listed in its answer)."""

    id: str
    name: str
    version: str
    digest: str


@dataclass(frozen=True, slots=True)
class ArtifactDiff:
    """What changes from one version to another (each list by path)."""

    added: list[EntryRecord]
    removed: list[EntryRecord]
    changed: list[tuple[EntryRecord, EntryRecord]]  # (before, after)


@dataclass(frozen=True, slots=True)
class Lineage:
    """Runs and versions around a version: nodes (dicts with ``id`` and ``kind``) and data-flow
    edges ``(source id, target id)`` (a run's input → the run → its output)."""

    nodes: list[dict[str, Any]]
    edges: list[tuple[str, str]]
    truncated: bool = False


class ArtifactStore(abc.ABC):
    """Artifacts of a project; each method one transaction."""

    @abc.abstractmethod
    def artifact_types(self, project_pk: int) -> list[tuple[str, int]]:
        """The project's artifact types by name, each with how many collections have it."""

    @abc.abstractmethod
    def list_artifacts(
        self,
        project_pk: int,
        *,
        type_: str | None = None,
        search: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CollectionRecord]:
        """The project's collections by name: of ``type_``, whose name contains ``search``
        (case-insensitively, wildcards literal), after the name ``after``, at most ``limit``."""

    @abc.abstractmethod
    def get_artifact(self, project_pk: int, name: str) -> CollectionRecord:
        """One collection; NotFoundError when the project has none of that name."""

    @abc.abstractmethod
    def update_artifact(
        self, project_pk: int, name: str, description: str | None
    ) -> CollectionRecord:
        """Replace a collection's description; return the collection after."""

    @abc.abstractmethod
    def delete_artifact(self, project_pk: int, name: str) -> None:
        """Delete a collection with all its versions (their blobs go to garbage collection)."""

    @abc.abstractmethod
    def list_versions(
        self, project_pk: int, name: str, after: str | None, limit: int
    ) -> list[VersionRecord]:
        """A collection's versions newest first, those older than ``after`` (a ``vN``: the
        last of the previous page), at most ``limit``. InvalidInputError for a bad ``after``."""

    @abc.abstractmethod
    def get_version(self, project_pk: int, name: str, ref: str) -> VersionRecord:
        """The version ``ref`` names (``vN``, then an alias, then a digest); NotFoundError."""

    @abc.abstractmethod
    def update_version(
        self, project_pk: int, name: str, ref: str, changes: Mapping[str, Any]
    ) -> VersionRecord:
        """Change ``description``, ``metadata`` (replaced whole) and/or ``ttl_s`` (seconds
        from the version's creation; None clears it) and return the version after."""

    @abc.abstractmethod
    def delete_version(
        self, project_pk: int, name: str, ref: str, *, delete_aliases: bool = False
    ) -> None:
        """Delete one version. ConflictError when it holds aliases besides ``latest`` unless
        ``delete_aliases``; ``latest`` moves to the newest version left. Its number is never
        given again."""

    @abc.abstractmethod
    def list_entries(
        self, version_pk: int, *, prefix: str = "", after: str | None = None, limit: int = 1000
    ) -> list[EntryRecord]:
        """A version's entries by path: starting with ``prefix``, after ``after``, ``limit``."""

    @abc.abstractmethod
    def get_entry(self, version_pk: int, path: str) -> EntryRecord | None:
        """One entry of a version, None when it has no such path."""

    @abc.abstractmethod
    def diff_versions(self, before_pk: int, after_pk: int) -> ArtifactDiff:
        """Entries added, removed and changed going from one version to the other.
        InvalidInputError when either has more than :data:`MAX_DIFF_ENTRIES` entries."""

    @abc.abstractmethod
    def set_alias(self, project_pk: int, name: str, alias: str, ref: str) -> VersionRecord:
        """Point ``alias`` at the version ``ref`` (moving it atomically when it pointed
        elsewhere); return that version. InvalidInputError for a reserved alias."""

    @abc.abstractmethod
    def delete_alias(self, project_pk: int, name: str, alias: str) -> None:
        """Remove an alias; NotFoundError when the collection has none such,
        InvalidInputError for ``latest``."""

    @abc.abstractmethod
    def use_version(
        self, who: Principal, version_pk: int, entity: str, project: str, run_id: str
    ) -> None:
        """Record that the run ``entity/project/run_id`` used the version (an ``in`` link; a
        repeat changes nothing). The caller needs what writing to that run needs; the run (and
        its project) are created when absent, as ingest would: a run can use an artifact before
        its first batch arrives. InvalidInputError for a bad run id."""

    @abc.abstractmethod
    def version_lineage(self, who: Principal, version_pk: int, depth: int) -> Lineage:
        """Runs and versions within ``depth`` links of a version, in projects the caller can
        read, at most :data:`MAX_LINEAGE_NODES` nodes (``truncated`` says when more exist)."""

    @abc.abstractmethod
    def run_artifacts(
        self, who: Principal, run_pk: int
    ) -> tuple[list[VersionRecord], list[VersionRecord]]:
        """The versions a run logged and those it used (in projects the caller can read)."""

    @abc.abstractmethod
    def expire_artifacts(self, now: float | None = None) -> int:
        """Delete versions whose ``expires_at`` has passed (their aliases too); how many."""
