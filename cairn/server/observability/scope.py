"""What the middleware, the handlers and the error replies share through the ASGI scope."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from cairn.server.auth.principal import Principal

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_KEY = "cairn.request_id"
USERNAME_KEY = "cairn.username"
MAX_REQUEST_ID_CHARS = 128
# Ids end up in log lines and response headers: no spaces, quotes, control characters.
_WELL_FORMED = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID_CHARS}}}")


def request_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` if it is well formed, else a new uuid4 hex."""
    for name, value in headers:
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1")
            if _WELL_FORMED.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def request_id_of(scope: Mapping[str, Any]) -> str | None:
    """The id the middleware gave this request (None outside the middleware)."""
    value = scope.get(REQUEST_ID_KEY)
    return value if isinstance(value, str) else None


def note_principal(scope: MutableMapping[str, Any], who: Principal) -> Principal:
    """Remember the caller's username for the request's log line; returns ``who``."""
    if who.username:
        scope[USERNAME_KEY] = who.username
    return who


def username_of(scope: Mapping[str, Any]) -> str | None:
    """The caller's username noted while the request was handled, if any."""
    value = scope.get(USERNAME_KEY)
    return value if isinstance(value, str) else None
