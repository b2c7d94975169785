"""The JSON shapes of the registry and automation routes, and the entity-role dependencies they
share (design 0013, "Model registry and automations")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel, Field

from cairn.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from cairn.server.api.artifacts_models import VersionOut, version_out
from cairn.server.api.deps import Ctx, EntityName, Who
from cairn.server.auth.principal import role_at_least
from cairn.server.store.registry import AuditRecord, RegisteredModelRecord, RegistryVersionRecord

ModelName = Annotated[str, Path(min_length=1, max_length=128, description="Registered model")]
RegistryRef = Annotated[str, Path(min_length=1, max_length=128, description="vN or an alias")]
AliasName = Annotated[str, Path(min_length=1, max_length=128, description="Alias")]


def _entity_with(role: str) -> Callable[..., str]:
    def dependency(entity: EntityName, ctx: Ctx, who: Who) -> str:
        held = ctx.meta.entity_role(who, entity)
        if role_at_least(held, role):
            return entity
        if not who.is_authenticated:
            raise AuthenticationError("authentication required: log in or pass an API key")
        if held is None:
            raise NotFoundError(f"entity {entity!r} does not exist")
        raise PermissionDeniedError(f"your role in {entity} is {held}; this needs {role}")

    return dependency


EntityViewer = Annotated[str, Depends(_entity_with("viewer"))]
"""The entity in the path, which the caller may read (a team member, or the user)."""
EntityMember = Annotated[str, Depends(_entity_with("member"))]
EntityAdmin = Annotated[str, Depends(_entity_with("admin"))]


class ModelOut(BaseModel):
    """A registered model."""

    entity: str
    name: str
    path: str = Field(description="entity/name")
    description: str | None
    tags: list[str]
    versions: int
    aliases: dict[str, str] = Field(description="alias → vN")
    created_at: float
    created_by: str | None
    updated_at: float


class ModelList(BaseModel):
    """A page of models by name; pass ``next`` back as ``after`` (null: the end)."""

    models: list[ModelOut]
    next: str | None


class RegistryVersionOut(BaseModel):
    """A version of a registered model and the artifact version it links to."""

    model: str = Field(description="entity/name of the registered model")
    version: str = Field(description="vN, numbered by the model")
    path: str = Field(description="entity/name:vN")
    digest: str = Field(description="the linked artifact version's manifest digest")
    aliases: list[str]
    linked_by: str | None
    linked_at: float
    source_status: str = Field(
        description="visible; hidden (in a project you cannot read); deleted (the artifact "
        "version is gone, the link stays)"
    )
    source_path: str | None = Field(description="entity/project/name:vN; null when hidden")
    source: VersionOut | None


class RegistryVersionList(BaseModel):
    """A page of versions, newest first; pass ``next`` back as ``after`` (null: the end)."""

    versions: list[RegistryVersionOut]
    next: str | None


class AuditOut(BaseModel):
    """One change of a model: created, linked, alias_moved, alias_removed, edited, unlinked."""

    id: int
    at: float
    actor: str | None
    action: str
    details: dict[str, Any]


class AuditList(BaseModel):
    """A page of the audit trail, oldest first; pass ``next`` back as ``after``."""

    events: list[AuditOut]
    next: int | None


def model_out(m: RegisteredModelRecord) -> dict[str, Any]:
    """The JSON of a model."""
    return {
        "entity": m.entity,
        "name": m.name,
        "path": m.path,
        "description": m.description,
        "tags": m.tags,
        "versions": m.versions,
        "aliases": m.aliases,
        "created_at": m.created_at,
        "created_by": m.created_by,
        "updated_at": m.updated_at,
    }


def registry_version_out(v: RegistryVersionRecord) -> dict[str, Any]:
    """The JSON of a registry version."""
    return {
        "model": f"{v.entity}/{v.model}",
        "version": v.version,
        "path": v.path,
        "digest": v.digest,
        "aliases": v.aliases,
        "linked_by": v.linked_by,
        "linked_at": v.linked_at,
        "source_status": v.source_status,
        "source_path": v.source_path,
        "source": None if v.source is None else version_out(v.source),
    }


def audit_out(a: AuditRecord) -> dict[str, Any]:
    """The JSON of an audit event."""
    return {"id": a.id, "at": a.at, "actor": a.actor, "action": a.action, "details": a.details}
