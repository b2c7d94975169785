"""``cairn login``: check an API key against the server and store it (netrc, mode 0600)."""

from __future__ import annotations

import argparse
import getpass
import netrc
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cairn.errors import AuthenticationError, InvalidInputError


def register(commands: Any) -> None:
    """Add the ``login`` subcommand."""
    parser = commands.add_parser("login", help="store an API key for a server")
    parser.add_argument("--base-url", help="server URL (default from settings)")
    parser.add_argument("--key", help="the API key (default: read from a prompt or stdin)")
    parser.set_defaults(handler=run_login)


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


def run_login(args: argparse.Namespace) -> int:
    """Verify the key with the server, then store it."""
    from cairn.sdk.api.client import ApiClient
    from cairn.sdk.links import remember_public_url
    from cairn.sdk.settings import credentials_path, load_settings

    settings = load_settings(base_url=args.base_url)
    key = args.key
    if not key:
        key = getpass.getpass("API key: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key:
        raise InvalidInputError("no API key given; create one in the web app or with the API")
    client = ApiClient(settings.base_url, key)
    viewer = client.request("GET", "/api/v1/auth/me")
    if viewer.get("auth") != "api_key" and viewer.get("auth_required"):
        raise AuthenticationError(f"the server at {settings.base_url} did not accept this key")
    path = credentials_path()
    store_key(path, urlparse(settings.base_url).netloc, key, viewer.get("username") or "api")
    who = viewer.get("username") or "the local user (this server needs no login)"
    public_url = client.request("GET", "/api/health").get("public_url")
    remember_public_url(settings.base_url, public_url if isinstance(public_url, str) else None)
    print(f"logged in to {settings.base_url} as {who}; key stored in {path}")
    if isinstance(public_url, str):
        print(f"run links will point to {public_url} (the server's public address)")
    return 0
