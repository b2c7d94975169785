"""The metadata store's model-registry part (design 0013, "Model registry and automations"):
registered models per entity (user or team), their versions linked from artifact versions, the
aliases on those versions, and an audit trail of every change.

``entity`` is an entity name whose role the caller was already checked for (NotFoundError when
unknown); ``actor`` is the username written to the audit trail (None: the open server's user).
A registry version reference ``ref`` is ``vN`` or an alias. Reads that show a version's source
take ``who``: a source in a project the caller cannot read is left out (``source_status``
``hidden``). Each change writes its audit event and emits its automation events in the same
transaction. Composed into :class:`cairn.server.store.metadata.MetadataStore`; contract in
tests/contract/test_registry_store.py.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cairn.server.auth.principal import Principal
    from cairn.server.store.artifacts import VersionRecord

MAX_REGISTRY_PAGE = 1000
MAX_TAGS = 64
AUDIT_ACTIONS = ("created", "linked", "alias_moved", "alias_removed", "edited", "unlinked")
SourceStatus = Literal["visible", "hidden", "deleted"]


@dataclass(frozen=True, slots=True)
class RegisteredModelRecord:
    """A registered model with its version count and aliases (alias → ``vN``)."""

    pk: int
    entity: str
    name: str
    description: str | None
    tags: list[str]
    versions: int
    aliases: dict[str, str]
    created_at: float
    created_by: str | None
    updated_at: float

    @property
    def path(self) -> str:
        """``entity/name``."""
        return f"{self.entity}/{self.name}"


@dataclass(frozen=True, slots=True)
class RegistryVersionRecord:
    """One version of a registered model: the artifact version it links to, and its aliases.

    ``source`` is None unless ``source_status`` is ``visible``; ``source_path`` likewise (a
    deleted source keeps the path it had when linked, for the record)."""

    pk: int
    model_pk: int
    entity: str
    model: str
    index: int
    digest: str
    aliases: list[str]
    linked_by: str | None
    linked_at: float
    source_status: SourceStatus
    source_path: str | None
    source: VersionRecord | None

    @property
    def version(self) -> str:
        """``vN``."""
        return f"v{self.index}"

    @property
    def path(self) -> str:
        """``entity/model:vN``."""
        return f"{self.entity}/{self.model}:v{self.index}"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change of a registered model: who did what, when; ``details`` says to what."""

    id: int
    at: float
    actor: str | None
    action: str
    details: dict[str, Any]


class RegistryStore(abc.ABC):
    """Registered models of an entity; each method one transaction."""

    @abc.abstractmethod
    def list_registered_models(
        self, entity: str, *, search: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[RegisteredModelRecord]:
        """The entity's models by name: whose name contains ``search`` (case-insensitively,
        wildcards literal), after the name ``after``, at most ``limit``."""

    @abc.abstractmethod
    def create_registered_model(
        self,
        entity: str,
        name: str,
        *,
        description: str | None = None,
        tags: Sequence[str] = (),
        actor: str | None = None,
    ) -> RegisteredModelRecord:
        """Create a model (audit ``created``); ConflictError when the entity has the name,
        InvalidInputError for a bad name or tag."""

    @abc.abstractmethod
    def get_registered_model(self, entity: str, name: str) -> RegisteredModelRecord:
        """One model; NotFoundError when the entity has none of that name."""

    @abc.abstractmethod
    def update_registered_model(
        self, entity: str, name: str, changes: Mapping[str, Any], actor: str | None = None
    ) -> RegisteredModelRecord:
        """Replace ``description`` and/or ``tags`` (audit ``edited`` with the fields changed);
        InvalidInputError for other fields or bad values."""

    @abc.abstractmethod
    def delete_registered_model(self, entity: str, name: str) -> None:
        """Delete a model with its versions, aliases and audit trail (the linked artifact
        versions stay)."""

    @abc.abstractmethod
    def link_version(
        self,
        who: Principal,
        entity: str,
        model: str,
        artifact_version_pk: int,
        aliases: Sequence[str] = (),
        actor: str | None = None,
    ) -> tuple[RegistryVersionRecord, bool]:
        """Link an artifact version into the model (created when absent, audit ``created``)
        and move ``aliases`` onto it; return the registry version and whether it is new.

        Linking a version linked before returns that registry version (its aliases moved);
        a new one gets the model's next ``vN`` (audit ``linked``, event ``version_linked``).
        Each alias that moves is audited ``alias_moved`` and emits ``alias_moved``.
        NotFoundError for an unknown artifact version; InvalidInputError for a reserved alias.
        """

    @abc.abstractmethod
    def list_registry_versions(
        self, who: Principal, entity: str, model: str, after: str | None, limit: int
    ) -> list[RegistryVersionRecord]:
        """The model's versions newest first, older than ``after`` (a ``vN``), ``limit``."""

    @abc.abstractmethod
    def get_registry_version(
        self, who: Principal, entity: str, model: str, ref: str
    ) -> RegistryVersionRecord:
        """The version ``ref`` names (``vN``, else an alias); NotFoundError."""

    @abc.abstractmethod
    def unlink_version(self, entity: str, model: str, ref: str, actor: str | None = None) -> None:
        """Remove a version from the model with its aliases (audit ``unlinked``); its number
        is never given again. The artifact version stays."""

    @abc.abstractmethod
    def set_registry_alias(
        self, who: Principal, entity: str, model: str, alias: str, ref: str, actor: str | None
    ) -> RegistryVersionRecord:
        """Point ``alias`` at the version ``ref`` in one statement (audit ``alias_moved`` with
        the version it left, event ``alias_moved``; nothing when it is already there);
        InvalidInputError for a reserved alias (``vN``, ``latest``)."""

    @abc.abstractmethod
    def delete_registry_alias(
        self, entity: str, model: str, alias: str, actor: str | None = None
    ) -> None:
        """Remove an alias (audit ``alias_removed``); NotFoundError when the model has none."""

    @abc.abstractmethod
    def list_audit(
        self, entity: str, model: str, after: int | None, limit: int
    ) -> list[AuditRecord]:
        """The model's audit trail oldest first, after the event id ``after``, ``limit``."""
