"""Dependencies shared by routers: the caller, and the project or run in the path with a role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from cairn.errors import AuthenticationError
from cairn.server.auth.principal import OPEN_PRINCIPAL, Principal
from cairn.server.auth.request import authenticate
from cairn.server.context import ServerContext, get_context
from cairn.server.observability import note_principal
from cairn.server.store.records import ProjectRecord, RunRecord

EntityName = Annotated[str, Path(min_length=1, max_length=128, description="Entity (user or team)")]
ProjectName = Annotated[str, Path(min_length=1, max_length=128, description="Project name")]
RunId = Annotated[str, Path(min_length=1, max_length=64, description="Run id")]
Ctx = Annotated[ServerContext, Depends(get_context)]


async def principal_dep(request: Request, ctx: Ctx) -> Principal:
    """The caller of this request (anonymous when no credentials were sent)."""
    if ctx.settings.auth_open:
        return OPEN_PRINCIPAL
    return note_principal(request.scope, await run_in_threadpool(authenticate, request, ctx))


Who = Annotated[Principal, Depends(principal_dep)]


async def signed_in_dep(who: Who) -> Principal:
    """The caller, who must be signed in (or the open server's local user)."""
    if not who.is_authenticated:
        raise AuthenticationError("authentication required: log in or pass an API key")
    return who


SignedIn = Annotated[Principal, Depends(signed_in_dep)]


def _project_with(role: str) -> Callable[..., ProjectRecord]:
    def dependency(entity: EntityName, project: ProjectName, ctx: Ctx, who: Who) -> ProjectRecord:
        return ctx.meta.resolve_project(who, entity, project, role)

    return dependency


def resolve_run(
    ctx: ServerContext, who: Principal, entity: str, project: str, run_id: str, role: str
) -> RunRecord:
    """The run, if the caller has ``role`` on its project (NotFound/permission errors else)."""
    return ctx.meta.resolve_run(who, entity, project, run_id, role)


def _run_with(role: str) -> Callable[..., RunRecord]:
    def dependency(
        entity: EntityName, project: ProjectName, run_id: RunId, ctx: Ctx, who: Who
    ) -> RunRecord:
        return resolve_run(ctx, who, entity, project, run_id, role)

    return dependency


ProjectDep = Annotated[ProjectRecord, Depends(_project_with("viewer"))]
ProjectMemberDep = Annotated[ProjectRecord, Depends(_project_with("member"))]
ProjectAdminDep = Annotated[ProjectRecord, Depends(_project_with("admin"))]
RunDep = Annotated[RunRecord, Depends(_run_with("viewer"))]
RunWriteDep = Annotated[RunRecord, Depends(_run_with("member"))]

MAX_OFFSET = 10**12
"""Largest offset or start position a list or page accepts (keeps SQL integers in range)."""
