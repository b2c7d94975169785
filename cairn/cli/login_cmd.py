"""``cairn login``: check an API key against the server and store it (netrc, mode 0600)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cairn.errors import InvalidInputError


def register(commands: Any) -> None:
    """Add the ``login`` subcommand."""
    parser = commands.add_parser("login", help="store an API key for a server")
    parser.add_argument("--base-url", help="server URL (default from settings)")
    parser.add_argument("--key", help="the API key (default: read from a prompt or stdin)")
    parser.set_defaults(handler=run_login)


def run_login(args: argparse.Namespace) -> int:
    """Verify the key with the server, then store it."""
    from cairn.sdk.login_flow import verify_and_store
    from cairn.sdk.settings import load_settings

    settings = load_settings(base_url=args.base_url)
    key = args.key
    if not key:
        key = getpass.getpass("API key: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key:
        raise InvalidInputError("no API key given; create one in the web app or with the API")
    done = verify_and_store(settings.base_url, key)
    print(f"logged in to {settings.base_url} as {done.who}; key stored in {done.path}")
    if done.public_url is not None:
        print(f"run links will point to {done.public_url} (the server's public address)")
    return 0
