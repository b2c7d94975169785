"""Projects: list, read, edit, delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from cairn.server.api.deps import MAX_OFFSET, Ctx, ProjectAdminDep, ProjectDep, Who
from cairn.server.store.records import ProjectRecord
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["projects"])

PROJECT_PATH = "/projects/{entity}/{project}"


class ProjectOut(BaseModel):
    """A project with its run count and last activity."""

    entity: str
    name: str
    visibility: str
    description: str
    created_at: float
    updated_at: float
    run_count: int
    archived_at: float | None


class ProjectWithRole(ProjectOut):
    """A project, and what the caller may do with it."""

    role: Literal["viewer", "member", "admin"] | None = Field(
        description="your role: viewer reads, member writes runs, admin edits the project"
    )


class ProjectPage(BaseModel):
    """A page of projects and the total that match."""

    projects: list[ProjectOut]
    total: int
    offset: int


class ProjectEdit(BaseModel):
    """Fields of a project that can be changed."""

    name: str | None = Field(None, pattern=NAME_PATTERN, max_length=128)
    visibility: Literal["private", "team", "public"] | None = None
    description: str | None = Field(None, max_length=10_000)
    archived: bool | None = Field(None, description="hide from default listings, or restore")


class ProjectUsageOut(BaseModel):
    """Disk a project takes: series chunks in the database, blobs its runs' files reference."""

    runs: int
    series: int
    series_bytes: int
    files: int
    blob_bytes: int


def project_out(p: ProjectRecord) -> dict[str, Any]:
    """JSON shape of a project."""
    return {
        "entity": p.entity,
        "name": p.name,
        "visibility": p.visibility,
        "description": p.description,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "run_count": p.run_count,
        "archived_at": p.archived_at,
    }


@router.get("/projects", response_model=ProjectPage)
def get_projects(
    ctx: Ctx,
    who: Who,
    entity: Annotated[str | None, Query(max_length=128)] = None,
    search: Annotated[str | None, Query(max_length=128)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    archived: Literal["exclude", "include", "only"] = "exclude",
) -> dict[str, Any]:
    """Projects, most recently active first; ``search`` matches part of the name."""
    page, total = ctx.meta.list_projects(who, entity, search, offset, limit, archived)
    return {"projects": [project_out(p) for p in page], "total": total, "offset": offset}


@router.get(PROJECT_PATH, response_model=ProjectWithRole)
def get_project(project: ProjectDep, ctx: Ctx, who: Who) -> dict[str, Any]:
    """One project, with the caller's role on it."""
    return {**project_out(project), "role": ctx.meta.project_role(who, project)}


@router.patch(PROJECT_PATH, response_model=ProjectOut)
def edit_project(project: ProjectAdminDep, edit: ProjectEdit, ctx: Ctx) -> dict[str, Any]:
    """Rename, archive or restore a project, or change its visibility or description."""
    updated = ctx.meta.update_project(
        project.pk,
        name=edit.name,
        visibility=edit.visibility,
        description=edit.description,
        archived=edit.archived,
    )
    return project_out(updated)


@router.delete(PROJECT_PATH, status_code=204, response_class=Response)
def delete_project(project: ProjectAdminDep, ctx: Ctx) -> Response:
    """Delete a project and all its runs."""
    ctx.meta.delete_project(project.pk)
    return Response(status_code=204)


@router.get(PROJECT_PATH + "/usage", response_model=ProjectUsageOut)
def get_usage(project: ProjectDep, ctx: Ctx) -> dict[str, Any]:
    """Runs, series and files of the project, and the bytes they take."""
    return asdict(ctx.meta.project_usage(project.pk))
