"""Authenticating a request: API key (Bearer or Basic ``api:<key>``) or session cookie + CSRF."""

from __future__ import annotations

import base64
import binascii
import secrets

from fastapi import Request

from cairn.errors import AuthenticationError, PermissionDeniedError
from cairn.server.auth.principal import ANONYMOUS, OPEN_PRINCIPAL, Principal
from cairn.server.context import ServerContext

SESSION_COOKIE = "cairn_session"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a session with a temporary password (an admin's reset) may do before changing it.
_BEFORE_PASSWORD_CHANGE = frozenset(
    {"/api/v1/auth/me", "/api/v1/auth/logout", "/api/v1/auth/password"}
)


def api_key_from_header(header: str) -> str:
    """The API key in an Authorization header; AuthenticationError when malformed."""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            user, _, key = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationError("malformed Basic credentials") from None
        if user == "api" and key:
            return key
    raise AuthenticationError(
        "unsupported Authorization header: use 'Bearer <api key>' or Basic with user 'api'"
    )


def authenticate(request: Request, ctx: ServerContext) -> Principal:
    """Who is calling. Bad credentials are an error; no credentials make an anonymous caller.

    A cookie session must echo its CSRF token in ``X-CSRF-Token`` on unsafe methods; API keys
    are not sent by browsers on their own, so they need none. A session whose password an admin
    reset may only read who it is, sign out, or change the password.
    """
    if ctx.settings.auth_open:
        return OPEN_PRINCIPAL
    header = request.headers.get("authorization")
    if header:
        key = api_key_from_header(header)
        who = ctx.meta.api_key_principal(key)
        if who is None:
            raise AuthenticationError("invalid API key: create one with `cairn login` or the UI")
        return who
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    who = ctx.meta.session_principal(token)
    if who is None:
        return ANONYMOUS
    if request.method in _UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not who.csrf_token or not secrets.compare_digest(sent, who.csrf_token):
            raise PermissionDeniedError(
                f"missing or wrong {CSRF_HEADER} header for a cookie session"
            )
    if who.must_change_password and request.url.path not in _BEFORE_PASSWORD_CHANGE:
        raise PermissionDeniedError(
            "an admin reset your password: choose a new one first "
            "(POST /api/v1/auth/password, or the web app's Account page)"
        )
    return who
