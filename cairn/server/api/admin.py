"""What only admins do: create, list, disable and enable users, reset passwords, and see and
lift sign-in locks."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cairn.errors import PermissionDeniedError
from cairn.server.api.deps import Ctx, SignedIn
from cairn.server.auth.principal import Principal
from cairn.wire.batch import NAME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["admin"])

Username = Annotated[str, Path(min_length=1, max_length=128, description="A username")]


def require_admin(who: Principal) -> None:
    """PermissionDeniedError unless the caller is an admin (or the open server's user)."""
    if not who.is_superuser:
        raise PermissionDeniedError("only an admin of this server may do this")


class NewUser(BaseModel):
    """A user to create."""

    username: str = Field(pattern=NAME_PATTERN, max_length=128)
    password: str = Field(min_length=8, max_length=1024)
    is_admin: bool = False
    must_change_password: bool = Field(
        False, description="the password is temporary: the user must change it first"
    )


class UserOut(BaseModel):
    """A user as admins see them; ``locked_until`` is set while their sign-ins are refused."""

    username: str
    is_admin: bool
    disabled: bool
    must_change_password: bool
    created_at: float
    last_login_at: float | None
    failed_logins: int = Field(description="failed sign-ins lately (forgotten after an hour)")
    locked_until: float | None


class UserEdit(BaseModel):
    """Flags to change; those left out stay."""

    disabled: bool | None = Field(
        None, description="disabled users cannot sign in; their sessions end, API keys refused"
    )
    is_admin: bool | None = None


class PasswordReset(BaseModel):
    """A temporary password to set, or none to have the server make one up."""

    password: str | None = Field(None, min_length=8, max_length=1024)
    must_change_password: bool = Field(
        True, description="the user must choose a new password at their next sign-in"
    )


class ResetOut(BaseModel):
    """The new password: shown this once (the one given, or the one made up)."""

    username: str
    password: str
    must_change_password: bool


class LockOut(BaseModel):
    """An account or client address whose sign-ins are refused until ``locked_until``."""

    kind: Literal["account", "address"]
    name: str
    failures: int
    locked_until: float


def _user(ctx: Any, username: str) -> dict[str, Any]:
    return next(asdict(u) for u in ctx.meta.list_users() if u.username == username)


@router.get("/users", response_model=list[UserOut])
def list_users(who: SignedIn, ctx: Ctx) -> Any:
    """Every user, with their failed sign-ins and any lock (admins only)."""
    require_admin(who)
    return [asdict(u) for u in ctx.meta.list_users()]


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: NewUser, who: SignedIn, ctx: Ctx) -> Any:
    """Create a user (admins only)."""
    require_admin(who)
    ctx.meta.create_user(
        body.username,
        body.password,
        is_admin=body.is_admin,
        must_change=body.must_change_password,
    )
    return _user(ctx, body.username)


@router.patch("/users/{username}", response_model=UserOut)
def edit_user(username: Username, body: UserEdit, who: SignedIn, ctx: Ctx) -> Any:
    """Disable or enable a user, or grant or take back admin (admins only; not yourself, and
    one enabled admin always stays)."""
    require_admin(who)
    return asdict(
        ctx.meta.update_user(username, disabled=body.disabled, is_admin=body.is_admin, by=who)
    )


@router.post("/users/{username}/password", response_model=ResetOut)
def reset_password(username: Username, body: PasswordReset, who: SignedIn, ctx: Ctx) -> Any:
    """Reset a user's password (admins only): the one given or a random one, answered once.
    Their sessions end and their account is unlocked; by default they must change it when they
    next sign in."""
    require_admin(who)
    password = body.password or secrets.token_urlsafe(12)
    ctx.meta.reset_password(username, password, must_change=body.must_change_password)
    return {
        "username": username,
        "password": password,
        "must_change_password": body.must_change_password,
    }


@router.get("/login-locks", response_model=list[LockOut])
def list_locks(who: SignedIn, ctx: Ctx) -> Any:
    """Accounts and client addresses whose sign-ins are refused now (admins only)."""
    require_admin(who)
    return [asdict(lock) for lock in ctx.meta.list_login_locks()]


@router.delete("/login-locks/{kind}/{name}", status_code=204, response_class=Response)
def unlock(
    kind: Literal["account", "address"],
    name: Annotated[str, Path(min_length=1, max_length=128)],
    who: SignedIn,
    ctx: Ctx,
) -> Response:
    """Unlock an account or address and forget its failed sign-ins (admins only)."""
    require_admin(who)
    ctx.meta.clear_login_lock(kind, name)
    return Response(status_code=204)
