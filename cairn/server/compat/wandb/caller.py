"""Who a W&B client is: Cairn's own authentication, and the entity a null entity means."""

from __future__ import annotations

from fastapi import Request

from cairn.errors import AuthenticationError
from cairn.sdk.settings import os_user_entity
from cairn.server.auth.principal import Principal
from cairn.server.auth.request import authenticate
from cairn.server.context import ServerContext


def wandb_caller(request: Request, ctx: ServerContext) -> Principal:
    """The caller, who must present a Cairn API key (Basic ``api:<key>``) unless the server is
    open; the same checks as Cairn's own API."""
    who = authenticate(request, ctx)
    if not who.is_authenticated:
        raise AuthenticationError(
            "the W&B client must send an API key: set WANDB_API_KEY to a Cairn API key "
            "(`cairn login` prints where to make one)"
        )
    return who


def default_entity(who: Principal) -> str:
    """The entity of a request that names none: the caller's user (on an open server, the
    server's OS user, as Cairn's SDK names its runs on that machine)."""
    return who.username or os_user_entity()
