"""The model registry (design 0013): registered models of an entity, versions linked from
artifact versions, aliases, and the audit trail.

Readers need the viewer role in the entity (a team member, or the user themself); every change
needs member. Linking also needs the viewer role on the artifact's project; a version whose
source project the caller cannot read is shown without its source.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from cairn.errors import InvalidInputError
from cairn.server.api.artifacts_models import checked
from cairn.server.api.deps import Ctx, Who
from cairn.server.api.registry_models import (
    AliasName,
    AuditList,
    EntityMember,
    EntityViewer,
    ModelList,
    ModelName,
    ModelOut,
    RegistryRef,
    RegistryVersionList,
    RegistryVersionOut,
    audit_out,
    model_out,
    registry_version_out,
)
from cairn.server.store.registry import MAX_REGISTRY_PAGE, MAX_TAGS
from cairn.wire.artifacts import LATEST, check_artifact_name
from cairn.wire.records import MAX_TEXT

router = APIRouter(prefix="/api/v1", tags=["registry"])

ENTITY_PATH = "/registry/{entity}"
MODEL_PATH = ENTITY_PATH + "/{model}"
Limit = Annotated[int, Query(ge=1, le=MAX_REGISTRY_PAGE)]
Tag = Annotated[str, Field(min_length=1, max_length=128)]


class ModelCreate(BaseModel):
    """A model to register."""

    name: str = Field(min_length=1, max_length=128)
    description: str | None = Field(None, max_length=MAX_TEXT)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)


class ModelEdit(BaseModel):
    """Fields to replace; those left out stay as they are."""

    description: str | None = Field(None, max_length=MAX_TEXT)
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)


class LinkRequest(BaseModel):
    """The artifact version to link, and aliases to move onto it."""

    artifact: str = Field(
        min_length=3,
        max_length=520,
        description="entity/project/name:ver (ver: vN, an alias or a digest; left out: latest)",
    )
    aliases: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=32
    )


class AliasSet(BaseModel):
    """The version the alias names from now on."""

    version: str = Field(min_length=1, max_length=128, description="vN or another alias")


def split_artifact_path(path: str) -> tuple[str, str, str, str]:
    """``(entity, project, name, ver)`` of ``entity/project/name[:ver]``."""
    parts = path.split("/")
    if len(parts) != 3 or not all(parts):
        raise InvalidInputError(f"artifact {path!r} must be entity/project/name:version")
    entity, project, ref = parts
    name, _, ver = ref.partition(":")
    ver = ver or LATEST
    checked(name, ver)
    return entity, project, name, ver


@router.get(ENTITY_PATH, response_model=ModelList)
def list_models(
    entity: EntityViewer,
    ctx: Ctx,
    q: Annotated[str | None, Query(max_length=128, description="part of the name")] = None,
    after: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The entity's registered models by name."""
    models = ctx.meta.list_registered_models(entity, search=q, after=after, limit=limit)
    return {
        "models": [model_out(m) for m in models],
        "next": models[-1].name if len(models) == limit else None,
    }


@router.post(ENTITY_PATH, status_code=201, response_model=ModelOut)
def create_model(entity: EntityMember, body: ModelCreate, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Register a model (its versions come from linking artifact versions)."""
    return model_out(
        ctx.meta.create_registered_model(
            entity, body.name, description=body.description, tags=body.tags, actor=who.username
        )
    )


@router.get(MODEL_PATH, response_model=ModelOut)
def get_model(entity: EntityViewer, model: ModelName, ctx: Ctx) -> dict[str, Any]:
    """One registered model with its aliases."""
    return model_out(ctx.meta.get_registered_model(entity, model))


@router.patch(MODEL_PATH, response_model=ModelOut)
def edit_model(
    entity: EntityMember, model: ModelName, body: ModelEdit, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """Replace the description and/or tags (audited ``edited``)."""
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    return model_out(ctx.meta.update_registered_model(entity, model, changes, who.username))


@router.delete(MODEL_PATH, status_code=204, response_class=Response)
def delete_model(entity: EntityMember, model: ModelName, ctx: Ctx) -> Response:
    """Delete the model with its versions, aliases and audit trail (artifacts stay)."""
    ctx.meta.delete_registered_model(entity, model)
    return Response(status_code=204)


@router.post(
    MODEL_PATH + "/versions",
    response_model=RegistryVersionOut,
    responses={201: {"model": RegistryVersionOut, "description": "a new registry version"}},
)
def link_version(
    entity: EntityMember,
    model: ModelName,
    body: LinkRequest,
    ctx: Ctx,
    who: Who,
    response: Response,
) -> dict[str, Any]:
    """Link an artifact version into the model (registered now when absent) and move
    ``aliases`` onto it. 201 with a new ``vN``; 200 when that artifact version was linked
    before (its aliases still move). Needs viewer on the artifact's project."""
    check_artifact_name(model, "registered model name")
    source_entity, project_name, name, ver = split_artifact_path(body.artifact)
    project = ctx.meta.resolve_project(who, source_entity, project_name, "viewer")
    source = ctx.meta.get_version(project.pk, name, ver)
    version, new = ctx.meta.link_version(who, entity, model, source.pk, body.aliases, who.username)
    response.status_code = 201 if new else 200
    return registry_version_out(version)


@router.get(MODEL_PATH + "/versions", response_model=RegistryVersionList)
def list_versions(
    entity: EntityViewer,
    model: ModelName,
    ctx: Ctx,
    who: Who,
    after: Annotated[str | None, Query(max_length=32, description="vN from 'next'")] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The model's versions, newest first."""
    versions = ctx.meta.list_registry_versions(who, entity, model, after, limit)
    return {
        "versions": [registry_version_out(v) for v in versions],
        "next": versions[-1].version if len(versions) == limit else None,
    }


@router.get(MODEL_PATH + "/versions/{ver}", response_model=RegistryVersionOut)
def get_version(
    entity: EntityViewer, model: ModelName, ver: RegistryRef, ctx: Ctx, who: Who
) -> dict[str, Any]:
    """One version, by ``vN`` or alias."""
    return registry_version_out(ctx.meta.get_registry_version(who, entity, model, ver))


@router.delete(MODEL_PATH + "/versions/{ver}", status_code=204, response_class=Response)
def unlink_version(
    entity: EntityMember, model: ModelName, ver: RegistryRef, ctx: Ctx, who: Who
) -> Response:
    """Unlink a version (its aliases go with it; its number is not reused; the artifact
    version stays)."""
    ctx.meta.unlink_version(entity, model, ver, who.username)
    return Response(status_code=204)


@router.put(MODEL_PATH + "/aliases/{alias}", response_model=RegistryVersionOut)
def set_alias(
    entity: EntityMember,
    model: ModelName,
    alias: AliasName,
    body: AliasSet,
    ctx: Ctx,
    who: Who,
) -> dict[str, Any]:
    """Point an alias (``staging``, ``production``…) at a version, moving it in one step."""
    return registry_version_out(
        ctx.meta.set_registry_alias(who, entity, model, alias, body.version, who.username)
    )


@router.delete(MODEL_PATH + "/aliases/{alias}", status_code=204, response_class=Response)
def delete_alias(
    entity: EntityMember, model: ModelName, alias: AliasName, ctx: Ctx, who: Who
) -> Response:
    """Remove an alias."""
    ctx.meta.delete_registry_alias(entity, model, alias, who.username)
    return Response(status_code=204)


@router.get(MODEL_PATH + "/audit", response_model=AuditList)
def list_audit(
    entity: EntityViewer,
    model: ModelName,
    ctx: Ctx,
    after: Annotated[int | None, Query(ge=0, le=2**62, description="id from 'next'")] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Who changed what and when, oldest first."""
    events = ctx.meta.list_audit(entity, model, after, limit)
    return {
        "events": [audit_out(e) for e in events],
        "next": events[-1].id if len(events) == limit else None,
    }
