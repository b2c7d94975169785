"""Path dependencies shared by routers: resolve a project or a run or answer 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from cairn.server.context import ServerContext, get_context
from cairn.server.store.records import ProjectRecord, RunRecord
from cairn.server.store.sql.projects import get_project
from cairn.server.store.sql.runs import get_run

EntityName = Annotated[str, Path(min_length=1, max_length=128, description="Entity (user or team)")]
ProjectName = Annotated[str, Path(min_length=1, max_length=128, description="Project name")]
RunId = Annotated[str, Path(min_length=1, max_length=64, description="Run id")]
Ctx = Annotated[ServerContext, Depends(get_context)]


def project_dep(entity: EntityName, project: ProjectName, ctx: Ctx) -> ProjectRecord:
    """The project named in the path."""
    with ctx.engine.connect() as conn:
        return get_project(conn, entity, project)


def run_dep(entity: EntityName, project: ProjectName, run_id: RunId, ctx: Ctx) -> RunRecord:
    """The run named in the path."""
    with ctx.engine.connect() as conn:
        return get_run(conn, entity, project, run_id)


ProjectDep = Annotated[ProjectRecord, Depends(project_dep)]
RunDep = Annotated[RunRecord, Depends(run_dep)]
