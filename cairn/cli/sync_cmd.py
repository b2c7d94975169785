"""``cairn sync [PATH...] [--all] [--list] [--clean] [--retry-aside]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cairn.errors import CairnError


def register(commands: Any) -> None:
    """Add the ``sync`` subcommand."""
    parser = commands.add_parser(
        "sync",
        help="upload offline or left-behind runs",
        description="Upload run logs the server does not have yet; each record exactly once.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="run directories or run logs")
    parser.add_argument("--all", action="store_true", help="every run under ./cairn (or --dir)")
    parser.add_argument("--list", action="store_true", help="only list runs and their state")
    parser.add_argument("--clean", action="store_true", help="remove runs fully uploaded")
    parser.add_argument(
        "--retry-aside",
        action="store_true",
        help="also send again the records set aside (refused for good earlier)",
    )
    parser.add_argument("--dir", type=Path, help="where run logs live (default ./cairn)")
    parser.add_argument(
        "--base-url",
        help="server URL (default: CAIRN_BASE_URL, else the URL each run used, in its log)",
    )
    parser.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    """Sync, list or clean run logs."""
    from cairn.sdk.settings import load_settings
    from cairn.sdk.sync import clean, find_logs, settings_for, state_of, sync_log

    settings = load_settings(base_url=args.base_url)
    root = args.dir or settings.run_root
    whole = args.all or args.list or args.clean or args.retry_aside
    paths = list(args.paths) or ([root] if whole else [])
    if not paths:
        print("cairn sync: name run directories, or pass --all", file=sys.stderr)
        return 2
    # The default ./cairn may simply not exist yet; a path the user named must.
    logs = find_logs([p for p in paths if p.exists() or p != root])
    if not logs:
        print("no run logs found")
        return 0
    failed = 0
    for log in logs:
        state = state_of(log)
        if args.list:
            status = "synced" if not state.pending else f"{state.pending} records to upload"
            if state.aside:
                status += f", {len(state.aside)} set aside"
            print(f"{state.run_path}  {log.parent}  {status}")
            for entry in state.aside:
                what = f"offset {entry.offset} {entry.kind} {entry.what}"
                print(f"  set aside: {what}: {entry.reason}")
            continue
        try:
            if args.retry_aside and state.aside:
                failed += _retry(log, state.run_path, settings_for(log, args.base_url))
                state = state_of(log)
            if state.pending:
                chosen = settings_for(log, args.base_url)
                state = sync_log(log, chosen, on_progress=_progress(state.run_path))
                print(f"\n{state.run_path}: uploaded ({state.records} records)")
        except CairnError as exc:
            failed += 1
            print(f"\n{state.run_path}: not uploaded: {exc.message}", file=sys.stderr)
            continue
        if state.aside:
            print(
                f"{state.run_path}: {len(state.aside)} record(s) set aside; "
                f"see `cairn sync --list {log.parent}`",
                file=sys.stderr,
            )
        if args.clean and clean(log):
            print(f"{state.run_path}: removed {log.parent}")
    return 1 if failed else 0


def _retry(log: Path, label: str, settings: Any) -> int:
    """Retry a log's set-aside records; 1 when some are still set aside, else 0."""
    from cairn.sdk.sync import retry_aside

    result = retry_aside(log, settings)
    for entry in result.delivered:
        print(f"{label}: sent the set-aside {entry.kind} record {entry.what}")
    for entry in result.still_aside:
        print(f"{label}: still set aside: {entry.kind} {entry.what}: {entry.reason}",
              file=sys.stderr)  # fmt: skip
    return 1 if result.still_aside else 0


def _progress(label: str) -> Any:
    from cairn.sdk.uploader import progress_bar

    def show(done: int, total: int) -> None:
        print(f"\r{label} {progress_bar(done, total)}", end="", flush=True)

    return show
