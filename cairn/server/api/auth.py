"""Login, logout, the current user, API keys, users, teams and project members."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from cairn.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from cairn.server.api.deps import Ctx, ProjectAdminDep, SignedIn, Who
from cairn.server.auth import accounts
from cairn.server.auth.access import entity_role
from cairn.server.auth.request import SESSION_COOKIE
from cairn.server.store.sql.projects import ensure_entity
from cairn.server.store.sql.schema import entities, memberships, project_members, users
from cairn.server.store.sql.upsert import upsert
from cairn.wire import check_name

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

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=8, max_length=1024)
    is_admin: bool = False


class NewTeam(BaseModel):
    """A team to create."""

    name: str = Field(min_length=1, max_length=128)


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
    with ctx.engine.begin() as conn:
        who = accounts.check_password(conn, credentials.username, credentials.password)
        if who is None or who.user_pk is None:
            raise AuthenticationError("wrong username or password")
        token, csrf = accounts.open_session(conn, who.user_pk)
    secure = request.url.scheme == "https" or (ctx.settings.public_url or "").startswith("https")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_TTL_S,
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
        with ctx.engine.begin() as conn:
            accounts.close_session(conn, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=Viewer)
def me(who: Who, ctx: Ctx) -> Any:
    """Who the server takes the caller for, and whether it requires login."""
    return _viewer(who, not ctx.settings.auth_open)


def _require_user(who: Any) -> int:
    if who.user_pk is None:
        raise InvalidInputError(
            "this server runs without accounts (open on loopback); API keys are not needed"
        )
    return int(who.user_pk)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_keys(who: SignedIn, ctx: Ctx) -> Any:
    """Your API keys."""
    user_pk = _require_user(who)
    with ctx.read_engine.connect() as conn:
        return accounts.list_api_keys(conn, user_pk)


@router.post("/api-keys", response_model=CreatedKey, status_code=201)
def create_key(body: NewKey, who: SignedIn, ctx: Ctx) -> Any:
    """Create an API key; the answer holds the key, which is not shown again."""
    user_pk = _require_user(who)
    with ctx.engine.begin() as conn:
        key, entry = accounts.create_api_key(conn, user_pk, body.name)
    return {**entry, "key": key}


@router.delete("/api-keys/{key_id}", status_code=204, response_class=Response)
def delete_key(key_id: int, who: SignedIn, ctx: Ctx) -> Response:
    """Revoke one of your API keys."""
    user_pk = _require_user(who)
    with ctx.engine.begin() as conn:
        accounts.delete_api_key(conn, user_pk, key_id)
    return Response(status_code=204)


def _require_admin(who: Any) -> None:
    if not who.is_superuser:
        raise PermissionDeniedError("only an admin may do this")


@router.post("/users", status_code=201, response_model=Viewer)
def create_user(body: NewUser, who: SignedIn, ctx: Ctx) -> Any:
    """Create a user (admins only)."""
    _require_admin(who)
    with ctx.engine.begin() as conn:
        accounts.create_user(conn, body.username, body.password, is_admin=body.is_admin)
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
    check_name(body.name, "team")
    with ctx.engine.begin() as conn:
        if conn.scalar(select(entities.c.pk).where(entities.c.name == body.name)) is not None:
            raise ConflictError(f"the name {body.name!r} is already taken by a user or team")
        team_pk = ensure_entity(conn, body.name, "team")
        if who.user_pk is not None:
            upsert(
                conn,
                memberships,
                {"entity_pk": team_pk, "user_pk": who.user_pk, "role": "admin"},
                ("entity_pk", "user_pk"),
            )
    return {"name": body.name}


def _user_pk(conn: Any, username: str) -> int:
    pk = conn.scalar(select(users.c.pk).where(users.c.username == username))
    if pk is None:
        raise NotFoundError(f"user {username!r} does not exist")
    return int(pk)


@router.put("/teams/{team}/members/{username}", status_code=204, response_class=Response)
def set_team_member(team: str, username: str, body: RoleBody, who: SignedIn, ctx: Ctx) -> Response:
    """Add a user to a team with a role, or change their role (team admins only)."""
    with ctx.engine.begin() as conn:
        if entity_role(conn, who, team) != "admin":
            raise PermissionDeniedError(f"only admins of {team!r} may change its members")
        team_pk = conn.scalar(
            select(entities.c.pk).where(entities.c.name == team, entities.c.kind == "team")
        )
        if team_pk is None:
            raise NotFoundError(f"team {team!r} does not exist")
        upsert(
            conn,
            memberships,
            {"entity_pk": team_pk, "user_pk": _user_pk(conn, username), "role": body.role},
            ("entity_pk", "user_pk"),
        )
    return Response(status_code=204)


@router.put(
    "/projects/{entity}/{project}/members/{username}", status_code=204, response_class=Response
)
def set_project_member(
    project: ProjectAdminDep, username: str, body: RoleBody, ctx: Ctx
) -> Response:
    """Give a user a role on one project (project admins only)."""
    with ctx.engine.begin() as conn:
        upsert(
            conn,
            project_members,
            {"project_pk": project.pk, "user_pk": _user_pk(conn, username), "role": body.role},
            ("project_pk", "user_pk"),
        )
    return Response(status_code=204)
