"""``cairn import wandb DIR [--entity E] [--project P] [--dry-run]``: local W&B runs into Cairn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cairn.errors import CairnError


def register(commands: Any) -> None:
    """Add ``import`` and its ``wandb`` subcommand."""
    parser = commands.add_parser("import", help="import runs recorded by another tracker")
    sources = parser.add_subparsers(dest="import_source", metavar="SOURCE", required=True)
    wandb = sources.add_parser(
        "wandb",
        help="local W&B run directories (wandb/run-*, wandb/offline-run-*)",
        description="Import local W&B runs: history, system metrics, console output, config, "
        "summary, files and media. Each run is written as a Cairn run log under "
        "./cairn/wandb-import and sent exactly once: importing the same directory again sends "
        "only what the server lacks. Needs the wandb package: pip install 'cairn-ml[compat]'.",
    )
    wandb.add_argument("dirs", type=Path, nargs="+", metavar="DIR",
                       help="a W&B run directory, or a folder holding many (./wandb)")  # fmt: skip
    wandb.add_argument("--entity", help="import into this entity (default: the W&B run's, "
                       "else yours)")  # fmt: skip
    wandb.add_argument("--project", help="import into this project (default: the W&B run's, "
                       "else uncategorized)")  # fmt: skip
    wandb.add_argument("--dry-run", action="store_true",
                       help="say what would be imported; write and send nothing")  # fmt: skip
    wandb.add_argument("--base-url", help="server URL (default: CAIRN_BASE_URL or the login's)")
    wandb.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import each W&B run under ``args.dirs``; 1 when some could not be imported or sent."""
    from cairn.compat.wandb_log import protos
    from cairn.compat.wandb_run import find_logs
    from cairn.sdk.settings import load_settings

    protos()  # without wandb, say what to install before anything else
    logs = [log for folder in args.dirs for log in find_logs(folder)]
    settings = load_settings(base_url=args.base_url)
    if not args.dry_run:
        _check_reachable(settings.base_url)
    failed = 0
    for wandb_log in dict.fromkeys(logs):
        try:
            failed += _import_one(wandb_log, args, settings)
        except (CairnError, OSError) as exc:
            failed += 1
            message = exc.message if isinstance(exc, CairnError) else str(exc)
            print(f"{wandb_log.parent}: not imported: {message}", file=sys.stderr)
    return 1 if failed else 0


def _import_one(wandb_log: Path, args: argparse.Namespace, settings: Any) -> int:
    """Import one run; 1 when the server did not take all of it, else 0."""
    from cairn.compat.wandb_import import prepare
    from cairn.sdk.sync import state_of, sync_log

    prepared = prepare(
        wandb_log,
        run_root=settings.run_root,
        base_url=settings.base_url,
        entity=args.entity,
        project=args.project,
        default_entity=settings.default_entity(),
        dry_run=args.dry_run,
    )
    target = prepared.target.path
    print(f"{wandb_log.parent} -> {target}")
    tally = prepared.tally
    if tally is not None:
        print(
            f"  {tally.history_rows} history rows, {tally.system_rows} system samples, "
            f"{tally.console_lines} console lines, {tally.files} files "
            f"({_size(tally.file_bytes)}), {tally.summary_keys} summary keys; {tally.state}"
        )
        for warning in tally.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    damage = prepared.run.damage
    if damage:
        print(f"  warning: {damage.records} unreadable record(s) skipped ({damage.skipped_bytes} "
              "bytes): the .wandb file is damaged or was cut short; the rest is imported",
              file=sys.stderr)  # fmt: skip
    if args.dry_run:
        print("  dry run: nothing written or sent")
        return 0
    if tally is None:
        state = state_of(prepared.log)
        if not state.pending:
            print(f"  imported before: the server has all {state.records} records (to import "
                  f"it again, delete {prepared.log.parent})")  # fmt: skip
            return 0
        print(f"  imported in part before: sending the {state.pending} records left")
    rub_out = "\r\033[K" if sys.stdout.isatty() else ""  # the progress bar's line
    try:
        state = sync_log(prepared.log, settings, on_progress=_progress())
    except CairnError as exc:
        print(f"{rub_out}  not sent: {exc.message}; once that is fixed, run the import again: "
              "it resumes where it stopped", file=sys.stderr)  # fmt: skip
        return 1
    print(f"{rub_out}  sent: {state.records} records")
    if state.aside:
        print(f"  {len(state.aside)} record(s) set aside (refused by the server); see "
              f"`cairn sync --list {prepared.log.parent}`", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _check_reachable(base_url: str) -> None:
    """Fail at once, saying so, when nothing answers at ``base_url`` (the sender would retry
    for as long as it takes, silently)."""
    from cairn.errors import InvalidInputError
    from cairn.sdk.net import Client, NetError

    client = Client(base_url, timeout_s=10.0)
    try:
        client.request("GET", "/api/health")
    except NetError as exc:
        raise InvalidInputError(
            f"no Cairn server answers at {base_url} ({exc}): start it, or name yours with "
            "--base-url or CAIRN_BASE_URL"
        ) from None
    finally:
        client.close()


def _progress() -> Any:
    from cairn.sdk.uploader import progress_bar

    def show(done: int, total: int) -> None:
        print(f"\r  sending {progress_bar(done, total)}", end="", flush=True)

    return show if sys.stdout.isatty() else None


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"
