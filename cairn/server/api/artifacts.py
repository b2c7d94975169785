"""Artifact reads (design 0013): types, collections, versions. Viewers of the project read.

Versions are created by ``artifact`` records in ingest batches (docs/wire-protocol.md); edits are
in ``artifacts_writes``, files and lineage in ``artifacts_files``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

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
from cairn.server.api.deps import Ctx, ProjectDep
from cairn.server.store.artifacts import MAX_ARTIFACTS_PAGE

router = APIRouter(prefix="/api/v1", tags=["artifacts"])

PROJECT_PATH = "/projects/{entity}/{project}"


class TypeOut(BaseModel):
    """An artifact type and how many artifacts have it."""

    type: str
    collections: int


class TypeList(BaseModel):
    """The project's artifact types by name."""

    types: list[TypeOut]


class CollectionList(BaseModel):
    """A page of artifacts by name; pass ``next`` back as ``after`` (null: the end)."""

    artifacts: list[CollectionOut]
    next: str | None


class VersionList(BaseModel):
    """A page of versions, newest first; pass ``next`` back as ``after`` (null: the end)."""

    versions: list[VersionOut]
    next: str | None


Limit = Annotated[int, Query(ge=1, le=MAX_ARTIFACTS_PAGE)]


@router.get(PROJECT_PATH + "/artifact-types", response_model=TypeList)
def list_types(project: ProjectDep, ctx: Ctx) -> dict[str, Any]:
    """The project's artifact types, each with its number of artifacts."""
    types = ctx.meta.artifact_types(project.pk)
    return {"types": [{"type": t, "collections": n} for t, n in types]}


@router.get(PROJECT_PATH + "/artifacts", response_model=CollectionList)
def list_artifacts(
    project: ProjectDep,
    ctx: Ctx,
    type: Annotated[str | None, Query(max_length=128, description="only this type")] = None,
    q: Annotated[str | None, Query(max_length=128, description="part of the name")] = None,
    after: Annotated[str | None, Query(max_length=128, description="next of the last page")] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The project's artifacts by name, each with its newest version."""
    found = ctx.meta.list_artifacts(project.pk, type_=type, search=q, after=after, limit=limit)
    return {
        "artifacts": [collection_out(c) for c in found],
        "next": found[-1].name if len(found) == limit else None,
    }


@router.get(ARTIFACT_PATH, response_model=CollectionOut)
def read_artifact(project: ProjectDep, name: ArtifactName, ctx: Ctx) -> dict[str, Any]:
    """One artifact with its newest version."""
    checked(name)
    return collection_out(ctx.meta.get_artifact(project.pk, name))


@router.get(ARTIFACT_PATH + "/versions", response_model=VersionList)
def list_versions(
    project: ProjectDep,
    name: ArtifactName,
    ctx: Ctx,
    after: Annotated[str | None, Query(max_length=32, description="next of the last page")] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """An artifact's versions, newest first."""
    checked(name)
    found = ctx.meta.list_versions(project.pk, name, after, limit)
    return {
        "versions": [version_out(v) for v in found],
        "next": found[-1].version if len(found) == limit else None,
    }


@router.get(VERSION_PATH, response_model=VersionOut)
def read_version(project: ProjectDep, name: ArtifactName, ver: VersionRef, ctx: Ctx) -> Any:
    """One version, by ``vN``, alias (``latest`` included) or digest."""
    checked(name, ver)
    return version_out(ctx.meta.get_version(project.pk, name, ver))
