"""Login (throttled per account and client address), logout, the current user, changing your own
password, and API keys."""

from __future__ import annotations

import math
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from cairn.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    TooManyAttemptsError,
)
from cairn.server.api.deps import Ctx, SignedIn, Who
from cairn.server.auth.principal import Principal
from cairn.server.auth.request import SESSION_COOKIE
from cairn.server.auth.secrets import SESSION_TTL_S
from cairn.server.context import ServerContext

router = APIRouter(prefix="/api/v1", tags=["auth"])

THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many failed sign-ins: try again after Retry-After seconds"}
}


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
    must_change_password: bool = Field(
        False, description="an admin reset the password: change it before anything else"
    )


class PasswordChange(BaseModel):
    """Your current password and the new one."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)


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


def _viewer(who: Principal, auth_required: bool) -> dict[str, Any]:
    return {
        "username": who.username,
        "is_admin": who.is_superuser,
        "auth": who.via,
        "csrf_token": who.csrf_token,
        "auth_required": auth_required,
        "must_change_password": who.must_change_password,
    }


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy on loopback, the one it forwards; see deployment)."""
    return request.client.host if request.client else "unknown"


def _refuse_if_locked(ctx: ServerContext, username: str, address: str) -> None:
    wait = ctx.meta.login_lock(username, address)
    if wait is not None:
        raise TooManyAttemptsError(
            f"too many failed sign-ins for this account or from your address: try again in "
            f"{max(1, math.ceil(wait))} seconds, or ask an admin to unlock it",
            retry_after_s=wait,
        )


def _checked(ctx: ServerContext, username: str, password: str, address: str) -> Principal | None:
    """The user if the password is right; a wrong one counts against account and address."""
    _refuse_if_locked(ctx, username, address)
    who = ctx.meta.check_password(username, password)
    if who is None:
        ctx.meta.note_login_failure(username, address)
    return who


@router.post("/auth/login", response_model=Viewer, responses=THROTTLED)
def login(credentials: Credentials, request: Request, response: Response, ctx: Ctx) -> Any:
    """Check a password and start a browser session (HttpOnly, SameSite=Lax cookie).

    Failures lock the account and the client address for a while (answered 429 with
    Retry-After, whatever the password); a disabled account is answered 403.
    """
    who = _checked(ctx, credentials.username, credentials.password, client_address(request))
    if who is None or who.user_pk is None:
        raise AuthenticationError("wrong username or password")
    ctx.meta.note_login_success(who.user_pk, credentials.username)
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


def require_user(who: Principal) -> int:
    """The caller's user pk; ConflictError on an open server, which has no accounts."""
    if who.user_pk is None:
        raise ConflictError(
            "this server runs without accounts (open on loopback): there are no API keys or "
            "passwords to manage"
        )
    return int(who.user_pk)


@router.post("/auth/password", status_code=204, response_class=Response, responses=THROTTLED)
def change_password(body: PasswordChange, request: Request, who: SignedIn, ctx: Ctx) -> Response:
    """Change your own password (the current one is required). Your other browser sessions
    end; this one and your API keys stay. A wrong current password counts as a failed sign-in."""
    user_pk = require_user(who)
    assert who.username is not None
    if body.new_password == body.current_password:
        raise InvalidInputError("the new password must differ from the current one")
    if _checked(ctx, who.username, body.current_password, client_address(request)) is None:
        raise PermissionDeniedError("your current password is wrong")
    keep = request.cookies.get(SESSION_COOKIE) if who.via == "session" else None
    ctx.meta.change_password(user_pk, body.new_password, keep)
    return Response(status_code=204)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_keys(who: SignedIn, ctx: Ctx) -> Any:
    """Your API keys."""
    return ctx.meta.list_api_keys(require_user(who))


@router.post("/api-keys", response_model=CreatedKey, status_code=201)
def create_key(body: NewKey, who: SignedIn, ctx: Ctx) -> Any:
    """Create an API key; the answer holds the key, which is not shown again."""
    key, entry = ctx.meta.create_api_key(require_user(who), body.name)
    return {**entry, "key": key}


@router.delete("/api-keys/{key_id}", status_code=204, response_class=Response)
def delete_key(key_id: int, who: SignedIn, ctx: Ctx) -> Response:
    """Revoke one of your API keys."""
    ctx.meta.delete_api_key(require_user(who), key_id)
    return Response(status_code=204)
