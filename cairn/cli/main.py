"""Entry point of the ``cairn`` command: parses arguments and dispatches to one module each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cairn.__about__ import __version__
from cairn.cli import (
    artifact_cmd,
    export_cmd,
    import_cmd,
    login_cmd,
    manage_cmd,
    registry_cmd,
    server_cmd,
    sweep_cmd,
    sync_cmd,
)
from cairn.errors import CairnError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``cairn`` subcommand."""
    parser = argparse.ArgumentParser(
        prog="cairn", description="Cairn: open, self-hosted experiment tracking."
    )
    parser.add_argument("--version", action="version", version=f"cairn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    server_cmd.register(commands)
    sync_cmd.register(commands)
    login_cmd.register(commands)
    export_cmd.register(commands)
    manage_cmd.register(commands)
    sweep_cmd.register(commands)
    registry_cmd.register(commands)
    artifact_cmd.register(commands)
    import_cmd.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except CairnError as exc:
        print(f"cairn: error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
