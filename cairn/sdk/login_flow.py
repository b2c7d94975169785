"""Logging in to a server: check an API key with it and store it (``cairn login`` and
``cairn.login()`` share this). The key is never printed."""

from __future__ import annotations

import getpass
import netrc
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from cairn.errors import AuthenticationError, InvalidInputError


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """Where a key was stored, for whom, and the server's public address if it has one."""

    base_url: str
    who: str
    path: Path
    public_url: str | None


def store_key(path: Path, host: str, key: str, username: str = "api") -> None:
    """Write ``key`` (and whose it is) for ``host`` into a netrc file only its owner reads."""
    entries: dict[str, tuple[str, str]] = {}
    if path.exists():
        try:
            parsed = netrc.netrc(str(path))
            entries = {h: (a[0] or "api", a[2] or "") for h, a in parsed.hosts.items()}
        except netrc.NetrcParseError as exc:
            raise InvalidInputError(f"{path} is not a valid netrc file: {exc}") from None
    entries[host] = (username, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f"machine {h}\n  login {login}\n  password {pw}\n" for h, (login, pw) in entries.items()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def verify_and_store(base_url: str, key: str) -> LoggedIn:
    """Check ``key`` with the server at ``base_url``, then store it for that host (netrc, mode
    0600); AuthenticationError when the server does not accept it."""
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.links import remember_public_url
    from cairn.sdk.settings import credentials_path

    client = ApiClient(base_url, key)
    try:
        viewer = client.request("GET", "/api/v1/auth/me")
        if viewer.get("auth") != "api_key" and viewer.get("auth_required"):
            raise AuthenticationError(f"the server at {base_url} did not accept this key")
        public_url = client.request("GET", "/api/health").get("public_url")
    finally:
        client.close()
    path = credentials_path()
    store_key(path, urlparse(base_url).netloc, key, viewer.get("username") or "api")
    public = public_url if isinstance(public_url, str) else None
    remember_public_url(base_url, public)
    who = viewer.get("username") or "the local user (this server needs no login)"
    return LoggedIn(base_url, who, path, public)


def login(key: str | None = None, host: str | None = None, relogin: bool = False) -> bool:
    """Log in to the server at ``host`` (default: ``CAIRN_BASE_URL`` or the local server).

    Without ``key``, a key already set (``CAIRN_API_KEY``) or stored for that server is kept
    unless ``relogin``; otherwise one is asked for at a prompt. A given key is checked with the
    server, then stored for later runs. ``host`` also becomes this process's server for later
    ``init()`` and ``Api()`` calls. Returns True once a key is in place.
    """
    from cairn.sdk.login import check_base_url, server_and_key

    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise InvalidInputError("key must be a non-empty string (an API key from the web app)")
    base_url, existing = server_and_key(check_base_url(host) if host else None)
    if host:
        os.environ["CAIRN_BASE_URL"] = base_url
    if key is None and existing and not relogin:
        return True
    if key is None:
        if not sys.stdin or not sys.stdin.isatty():
            raise InvalidInputError(
                f"no API key for {base_url}: pass cairn.login(key=...) or set CAIRN_API_KEY "
                "(create a key in the web app under your settings)"
            )
        key = getpass.getpass(f"API key for {base_url}: ").strip()
        if not key:
            raise InvalidInputError("no API key given; create one in the web app")
    done = verify_and_store(base_url, key.strip())
    print(f"cairn: logged in to {done.base_url} as {done.who}; key stored in {done.path}",
          file=sys.stderr, flush=True)  # fmt: skip
    return True
