"""Which server the SDK talks to and with which API key: arguments, environment, login file.

Kept apart from :mod:`cairn.sdk.settings` (and free of dataclasses and pathlib) so that a
script that only reads through ``cairn.Api`` imports little.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from cairn.errors import InvalidInputError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"


def credentials_path() -> str:
    """Where ``cairn login`` keeps API keys (netrc format, mode 0600)."""
    override = os.environ.get("CAIRN_NETRC")
    if override:
        return override
    return os.path.join(os.path.expanduser("~"), ".config", "cairn", "netrc")


def stored_login(base_url: str) -> tuple[str | None, str | None]:
    """(username, API key) that ``cairn login`` stored for this server's host, if any."""
    path = credentials_path()
    if not os.path.exists(path):
        return None, None
    import netrc

    try:
        auth = netrc.netrc(path).authenticators(urlsplit(base_url).netloc)
    except (netrc.NetrcParseError, OSError):
        return None, None
    if not auth:
        return None, None
    user = auth[0] if auth[0] and auth[0] != "api" else None
    return user, auth[2]


def check_base_url(base_url: str) -> str:
    """Return ``base_url`` if it is an http(s) URL, else raise InvalidInputError."""
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise InvalidInputError(f"base_url must be an http(s) URL, got {base_url!r}")
    return base_url


def server_and_key(
    base_url: str | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str | None]:
    """(base URL, API key): the arguments, else ``CAIRN_BASE_URL``/``CAIRN_API_KEY``, else the
    default server and the key ``cairn login`` stored for it."""
    environ = os.environ if environ is None else environ
    url = base_url or environ.get("CAIRN_BASE_URL") or DEFAULT_BASE_URL
    key = api_key or environ.get("CAIRN_API_KEY") or None
    if key is None:
        key = stored_login(url)[1]
    return check_base_url(url), key
