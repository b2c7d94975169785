"""Who may read ``/metrics``: anyone on an open loopback server; else the token or an admin."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from cairn.errors import AuthenticationError, PermissionDeniedError
from cairn.server.auth.request import authenticate
from cairn.server.context import ServerContext
from cairn.server.observability.scope import note_principal

HOW = (
    "send the metrics token (--metrics-token) or an admin's API key as "
    "'Authorization: Bearer ...', or sign in as an admin"
)


def token_matches(sent: str, token: str) -> bool:
    """Whether ``sent`` is ``token``, in time that depends on neither (lengths included)."""
    digest = hashlib.sha256
    return hmac.compare_digest(digest(sent.encode()).digest(), digest(token.encode()).digest())


def authorize_metrics(request: Request, ctx: ServerContext) -> None:
    """Return if the caller may read metrics; raise AuthenticationError or PermissionDenied."""
    if ctx.settings.auth_open:
        return
    header = request.headers.get("authorization", "")
    scheme, _, sent = header.partition(" ")
    token = ctx.settings.metrics_token
    if token and scheme.lower() == "bearer" and token_matches(sent.strip(), token):
        return
    try:
        who = note_principal(request.scope, authenticate(request, ctx))
    except AuthenticationError:
        raise AuthenticationError(f"wrong credentials for /metrics: {HOW}") from None
    if not who.is_authenticated:
        raise AuthenticationError(f"/metrics needs credentials: {HOW}")
    if not who.is_admin:
        raise PermissionDeniedError(f"/metrics is for admins; {HOW}")
