"""Teams and their members, and the users given a role on one project."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cairn.errors import PermissionDeniedError
from cairn.server.api.deps import Ctx, ProjectAdminDep, SignedIn
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["members"])

Role = Literal["viewer", "member", "admin"]
Username = Annotated[str, Path(min_length=1, max_length=128, description="A username")]
TeamName = Annotated[str, Path(min_length=1, max_length=128, description="A team")]


class NewTeam(BaseModel):
    """A team to create."""

    name: str = Field(pattern=NAME_PATTERN, max_length=128)


class RoleBody(BaseModel):
    """A role to grant."""

    role: Role


class MemberOut(BaseModel):
    """A user's role in a team or on a project."""

    username: str
    role: Role


class TeamOut(BaseModel):
    """A team and its members."""

    name: str
    created_at: float
    members: list[MemberOut]


@router.get("/teams", response_model=list[TeamOut])
def list_teams(who: SignedIn, ctx: Ctx) -> Any:
    """Teams with their members: every team for an admin, else the teams you belong to."""
    return [asdict(t) for t in ctx.meta.list_teams(who)]


@router.post("/teams", status_code=201, response_model=NewTeam)
def create_team(body: NewTeam, who: SignedIn, ctx: Ctx) -> Any:
    """Create a team; its creator becomes its admin."""
    ctx.meta.create_team(body.name, who.user_pk)
    return {"name": body.name}


def _require_team_admin(who: Any, ctx: Any, team: str) -> None:
    if ctx.meta.entity_role(who, team) != "admin":
        raise PermissionDeniedError(f"only admins of {team!r} may change its members")


@router.put("/teams/{team}/members/{username}", status_code=204, response_class=Response)
def set_team_member(
    team: TeamName, username: Username, body: RoleBody, who: SignedIn, ctx: Ctx
) -> Response:
    """Add a user to a team with a role, or change their role (team admins only; a team keeps
    at least one admin)."""
    _require_team_admin(who, ctx, team)
    ctx.meta.set_team_member(team, username, body.role)
    return Response(status_code=204)


@router.delete("/teams/{team}/members/{username}", status_code=204, response_class=Response)
def remove_team_member(team: TeamName, username: Username, who: SignedIn, ctx: Ctx) -> Response:
    """Take a user out of a team (team admins only; its last admin stays)."""
    _require_team_admin(who, ctx, team)
    ctx.meta.remove_team_member(team, username)
    return Response(status_code=204)


PROJECT_MEMBERS = "/projects/{entity}/{project}/members"


@router.get(PROJECT_MEMBERS, response_model=list[MemberOut])
def list_project_members(project: ProjectAdminDep, ctx: Ctx) -> Any:
    """Users given a role on this project itself (project admins only). Roles that come from
    the owning team or from visibility are not listed."""
    return [asdict(m) for m in ctx.meta.list_project_members(project.pk)]


@router.put(PROJECT_MEMBERS + "/{username}", status_code=204, response_class=Response)
def set_project_member(
    project: ProjectAdminDep, username: Username, body: RoleBody, ctx: Ctx
) -> Response:
    """Give a user a role on one project, or change it (project admins only)."""
    ctx.meta.set_project_member(project.pk, username, body.role)
    return Response(status_code=204)


@router.delete(PROJECT_MEMBERS + "/{username}", status_code=204, response_class=Response)
def remove_project_member(project: ProjectAdminDep, username: Username, ctx: Ctx) -> Response:
    """Take a user's role on this project away (project admins only)."""
    ctx.meta.remove_project_member(project.pk, username)
    return Response(status_code=204)
