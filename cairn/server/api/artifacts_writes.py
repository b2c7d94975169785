"""Artifact edits (design 0013): descriptions, metadata, TTL, aliases, deletes, recorded uses.

Members of the project write; recording a use needs the member role on the run's project and
the viewer role on the artifact's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cairn.errors import InvalidInputError
from cairn.server.api.artifacts_models import (
    ARTIFACT_PATH,
    VERSION_PATH,
    ArtifactName,
    CollectionOut,
    VersionOut,
    VersionRef,
    checked,
    collection_out,
    version_out,
)
from cairn.server.api.deps import Ctx, ProjectDep, ProjectMemberDep, Who
from cairn.wire.artifacts import check_artifact_name
from cairn.wire.records import MAX_TEXT

router = APIRouter(prefix="/api/v1", tags=["artifacts"])

AliasName = Annotated[str, Path(min_length=1, max_length=128, description="Alias")]


class ArtifactEdit(BaseModel):
    """The artifact's description (null clears it)."""

    description: str | None = Field(max_length=MAX_TEXT)


class VersionEdit(BaseModel):
    """Fields of a version a user can change; those left out stay as they are."""

    description: str | None = Field(None, max_length=MAX_TEXT)
    metadata: dict[str, Any] | None = Field(None, description="replaces the metadata whole")
    ttl_s: float | None = Field(
        None, gt=0, description="seconds from the version's creation until it is deleted; "
        "null keeps it for good"
    )  # fmt: skip


class AliasSet(BaseModel):
    """The version the alias names from now on."""

    version: str = Field(min_length=1, max_length=128, description="vN, an alias or a digest")


class UseRequest(BaseModel):
    """The run that used the version: its id in the artifact's project, or entity/project/id."""

    run: str = Field(min_length=1, max_length=330)


@router.patch(ARTIFACT_PATH, response_model=CollectionOut)
def edit_artifact(
    project: ProjectMemberDep, name: ArtifactName, body: ArtifactEdit, ctx: Ctx
) -> dict[str, Any]:
    """Change the artifact's description."""
    checked(name)
    return collection_out(ctx.meta.update_artifact(project.pk, name, body.description))


@router.delete(ARTIFACT_PATH, status_code=204, response_class=Response)
def delete_artifact(project: ProjectMemberDep, name: ArtifactName, ctx: Ctx) -> Response:
    """Delete the artifact with all its versions (their files go to garbage collection)."""
    checked(name)
    ctx.meta.delete_artifact(project.pk, name)
    return Response(status_code=204)


@router.patch(VERSION_PATH, response_model=VersionOut)
def edit_version(
    project: ProjectMemberDep, name: ArtifactName, ver: VersionRef, body: VersionEdit, ctx: Ctx
) -> dict[str, Any]:
    """Change a version's description, metadata or TTL (its files never change)."""
    checked(name, ver)
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    return version_out(ctx.meta.update_version(project.pk, name, ver, changes))


@router.delete(VERSION_PATH, status_code=204, response_class=Response)
def delete_version(
    project: ProjectMemberDep,
    name: ArtifactName,
    ver: VersionRef,
    ctx: Ctx,
    delete_aliases: Annotated[
        bool, Query(description="also delete the aliases it holds (besides latest)")
    ] = False,
) -> Response:
    """Delete one version; ``latest`` moves to the newest one left. Its number is not reused."""
    checked(name, ver)
    ctx.meta.delete_version(project.pk, name, ver, delete_aliases=delete_aliases)
    return Response(status_code=204)


@router.put(ARTIFACT_PATH + "/aliases/{alias}", response_model=VersionOut)
def set_alias(
    project: ProjectMemberDep, name: ArtifactName, alias: AliasName, body: AliasSet, ctx: Ctx
) -> dict[str, Any]:
    """Point an alias at a version, moving it from where it was in one step."""
    checked(name, body.version)
    return version_out(ctx.meta.set_alias(project.pk, name, alias, body.version))


@router.delete(ARTIFACT_PATH + "/aliases/{alias}", status_code=204, response_class=Response)
def delete_alias(
    project: ProjectMemberDep, name: ArtifactName, alias: AliasName, ctx: Ctx
) -> Response:
    """Remove an alias (``latest`` is kept by the server and cannot be removed)."""
    checked(name)
    check_artifact_name(alias, "alias")
    ctx.meta.delete_alias(project.pk, name, alias)
    return Response(status_code=204)


@router.post(VERSION_PATH + "/use", response_model=VersionOut)
def use_version(
    project: ProjectDep,
    name: ArtifactName,
    ver: VersionRef,
    body: UseRequest,
    ctx: Ctx,
    who: Who,
) -> dict[str, Any]:
    """Record that a run used this version (an input of the run in lineage); idempotent.

    Needs what writing to the run needs (member of its project); the run is created when the
    server has not seen it yet, as its first batch would."""
    checked(name, ver)
    parts = body.run.split("/")
    if len(parts) == 1:
        entity, project_name, run_id = project.entity, project.name, parts[0]
    elif len(parts) == 3 and all(parts):
        entity, project_name, run_id = parts
    else:
        raise InvalidInputError(
            f"run {body.run!r} must be a run id of this project or entity/project/run_id"
        )
    version = ctx.meta.get_version(project.pk, name, ver)
    ctx.meta.use_version(who, version.pk, entity, project_name, run_id)
    return version_out(version)
