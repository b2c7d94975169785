"""Login, logout, the current user, API keys, users, teams and project members."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from cairn.errors import AuthenticationError, ConflictError, PermissionDeniedError
from cairn.server.api.deps import Ctx, ProjectAdminDep, SignedIn, Who
from cairn.server.auth.request import SESSION_COOKIE
from cairn.server.auth.secrets import SESSION_TTL_S
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["auth"])

Role = Literal["viewer", "member", "admin"]


class Credentials(BaseModel):
    """A username and password."""

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class Viewer(BaseModel):
    """The caller; ``csrf_token`` must be echoed in ``X-CSRF-Token`` by cookie sessions."""

    username: str | None
    is_admin: bool
    auth: Literal["open", "session", "api_key", "anonymous"]
    csrf_token: str | None
    auth_required: bool


class NewKey(BaseModel):
    """A name for a new API key."""

    name: str = Field(min_length=1, max_length=128)


class ApiKeyOut(BaseModel):
    """An API key as listed (its prefix only)."""

    id: int
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None


class CreatedKey(ApiKeyOut):
    """A new API key; ``key`` is shown this once and never again."""

    key: str


class NewUser(BaseModel):
    """A user to create."""

    username: str = Field(pattern=NAME_PATTERN, max_length=128)
    password: str = Field(min_length=8, max_length=1024)
    is_admin: bool = False


class NewTeam(BaseModel):
    """A team to create."""

    name: str = Field(pattern=NAME_PATTERN, max_length=128)


class RoleBody(BaseModel):
    """A role to grant."""

    role: Role


def _viewer(who: Any, auth_required: bool) -> dict[str, Any]:
    return {
        "username": who.username,
        "is_admin": who.is_superuser,
        "auth": who.via,
        "csrf_token": who.csrf_token,
        "auth_required": auth_required,
    }


@router.post("/auth/login", response_model=Viewer)
def login(credentials: Credentials, request: Request, response: Response, ctx: Ctx) -> Any:
    """Check a password and start a browser session (HttpOnly, SameSite=Lax cookie)."""
    who = ctx.meta.check_password(credentials.username, credentials.password)
    if who is None or who.user_pk is None:
        raise AuthenticationError("wrong username or password")
    token, csrf = ctx.meta.open_session(who.user_pk)
    secure = request.url.scheme == "https" or (ctx.settings.public_url or "").startswith("https")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return {**_viewer(who, not ctx.settings.auth_open), "csrf_token": csrf}


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(request: Request, ctx: Ctx, _who: Who) -> Response:
    """End the browser session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        ctx.meta.close_session(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=Viewer)
def me(who: Who, ctx: Ctx) -> Any:
    """Who the server takes the caller for, and whether it requires login."""
    return _viewer(who, not ctx.settings.auth_open)


def _require_user(who: Any) -> int:
    if who.user_pk is None:
        raise ConflictError(
            "this server runs without accounts (open on loopback); API keys are not needed"
        )
    return int(who.user_pk)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_keys(who: SignedIn, ctx: Ctx) -> Any:
    """Your API keys."""
    user_pk = _require_user(who)
    return ctx.meta.list_api_keys(user_pk)


@router.post("/api-keys", response_model=CreatedKey, status_code=201)
def create_key(body: NewKey, who: SignedIn, ctx: Ctx) -> Any:
    """Create an API key; the answer holds the key, which is not shown again."""
    user_pk = _require_user(who)
    key, entry = ctx.meta.create_api_key(user_pk, body.name)
    return {**entry, "key": key}


@router.delete("/api-keys/{key_id}", status_code=204, response_class=Response)
def delete_key(key_id: int, who: SignedIn, ctx: Ctx) -> Response:
    """Revoke one of your API keys."""
    user_pk = _require_user(who)
    ctx.meta.delete_api_key(user_pk, key_id)
    return Response(status_code=204)


def _require_admin(who: Any) -> None:
    if not who.is_superuser:
        raise PermissionDeniedError("only an admin may do this")


@router.post("/users", status_code=201, response_model=Viewer)
def create_user(body: NewUser, who: SignedIn, ctx: Ctx) -> Any:
    """Create a user (admins only)."""
    _require_admin(who)
    ctx.meta.create_user(body.username, body.password, is_admin=body.is_admin)
    return {
        "username": body.username,
        "is_admin": body.is_admin,
        "auth": "session",
        "csrf_token": None,
        "auth_required": not ctx.settings.auth_open,
    }


@router.post("/teams", status_code=201, response_model=NewTeam)
def create_team(body: NewTeam, who: SignedIn, ctx: Ctx) -> Any:
    """Create a team; its creator becomes its admin."""
    ctx.meta.create_team(body.name, who.user_pk)
    return {"name": body.name}


@router.put("/teams/{team}/members/{username}", status_code=204, response_class=Response)
def set_team_member(team: str, username: str, body: RoleBody, who: SignedIn, ctx: Ctx) -> Response:
    """Add a user to a team with a role, or change their role (team admins only)."""
    if ctx.meta.entity_role(who, team) != "admin":
        raise PermissionDeniedError(f"only admins of {team!r} may change its members")
    ctx.meta.set_team_member(team, username, body.role)
    return Response(status_code=204)


@router.put(
    "/projects/{entity}/{project}/members/{username}", status_code=204, response_class=Response
)
def set_project_member(
    project: ProjectAdminDep, username: str, body: RoleBody, ctx: Ctx
) -> Response:
    """Give a user a role on one project (project admins only)."""
    ctx.meta.set_project_member(project.pk, username, body.role)
    return Response(status_code=204)
