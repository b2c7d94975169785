"""``cairn artifact put|get|ls|rm|cache cleanup``: artifacts from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError


def _api(args: argparse.Namespace) -> Any:
    from cairn.sdk.api.public import Api

    return Api(base_url=args.base_url)


def _server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="server URL (default: CAIRN_BASE_URL or the login's)")


def register(commands: Any) -> None:
    """Add ``artifact`` with its subcommands."""
    artifact = commands.add_parser("artifact", help="log, download, list and delete artifacts")
    sub = artifact.add_subparsers(dest="artifact_command", metavar="SUBCOMMAND", required=True)

    put = sub.add_parser("put", help="log a file or folder as a new artifact version")
    put.add_argument("path", type=Path, metavar="PATH")
    put.add_argument("--name", help="artifact name (default: the file or folder name)")
    put.add_argument("--type", default="dataset", help="artifact type (default: dataset)")
    put.add_argument("--project", required=True, metavar="[ENTITY/]PROJECT")
    put.add_argument("--alias", dest="aliases", action="append", default=[], help="repeatable")
    put.add_argument("--description")
    put.add_argument(
        "--policy",
        choices=["mutable", "immutable"],
        default="mutable",
        help="immutable: hash in place, no staged copy (do not change the files meanwhile)",
    )
    _server_option(put)
    put.set_defaults(handler=put_artifact)

    get = sub.add_parser("get", help="download a version's files")
    get.add_argument("ref", metavar="ENTITY/PROJECT/NAME:VERSION")
    get.add_argument("--root", type=Path, help="where to (default ./artifacts/NAME:VERSION)")
    _server_option(get)
    get.set_defaults(handler=get_artifact)

    ls = sub.add_parser("ls", help="list a project's artifacts")
    ls.add_argument("project", metavar="ENTITY/PROJECT")
    ls.add_argument("--type", help="only this type")
    _server_option(ls)
    ls.set_defaults(handler=list_artifacts)

    rm = sub.add_parser("rm", help="delete an artifact version")
    rm.add_argument("ref", metavar="ENTITY/PROJECT/NAME:VERSION")
    rm.add_argument("--delete-aliases", action="store_true",
                    help="also when aliases (other than latest) point at it")  # fmt: skip
    rm.add_argument("--yes", action="store_true", help="do not ask")
    _server_option(rm)
    rm.set_defaults(handler=delete_artifact)

    cache = sub.add_parser("cache", help="the local download cache")
    cache_sub = cache.add_subparsers(dest="cache_command", metavar="SUBCOMMAND", required=True)
    cleanup = cache_sub.add_parser("cleanup", help="remove least recently used cached files")
    cleanup.add_argument("--max-size", required=True, help="keep at most this much, e.g. 10GB")
    cleanup.set_defaults(handler=cleanup_cache)


def put_artifact(args: argparse.Namespace) -> int:
    """Log PATH as a version in a run of its own (job type ``artifact-put``); print its path."""
    import cairn
    from cairn.artifacts.artifact import Artifact

    if not args.path.exists():
        raise InvalidInputError(f"{args.path} does not exist")
    entity, _, project = args.project.rpartition("/")
    name = args.name or args.path.resolve().name
    art = Artifact(name, args.type, description=args.description)
    if args.path.is_dir():
        art.add_dir(args.path, policy=args.policy)
    else:
        art.add_file(args.path, policy=args.policy)
    settings = {"capture_console": False, "capture_git": False, "capture_environment": False,
                "capture_system": False, "base_url": args.base_url}  # fmt: skip
    run = cairn.init(project=project, entity=entity or None, job_type="artifact-put",
                     settings={k: v for k, v in settings.items() if v is not None})  # fmt: skip
    try:
        run.log_artifact(art, aliases=args.aliases)
    finally:
        run.finish()
    if run.settings.mode != "online":
        print(f"logged {name} offline; upload it with: cairn sync {run.dir}")
        return 0
    art.wait(timeout=60)
    print(art.path)
    return 0


def get_artifact(args: argparse.Namespace) -> int:
    """Download a version; print the folder."""
    art = _api(args).artifact(args.ref)
    print(art.download(args.root))
    return 0


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def list_artifacts(args: argparse.Namespace) -> int:
    """Print name, type, version count, latest version and its size."""
    for col in _api(args).artifacts(args.project, type=args.type):
        latest = col.latest
        last = f"{latest.version}\t{_size(latest.size)}" if latest else "-\t-"
        print(f"{col.name}\t{col.type}\t{col.version_count} versions\t{last}")
    return 0


def delete_artifact(args: argparse.Namespace) -> int:
    """Delete one version."""
    art = _api(args).artifact(args.ref)
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInputError(f"Delete {art.path}? Pass --yes to confirm (no terminal).")
        if input(f"Delete {art.path}? [y/N] ").strip().lower() not in ("y", "yes"):
            raise InvalidInputError("nothing changed")
    art.delete(delete_aliases=args.delete_aliases)
    print(f"deleted {art.path}")
    return 0


def cleanup_cache(args: argparse.Namespace) -> int:
    """Shrink the download cache to ``--max-size``."""
    from cairn.artifacts.cache import ArtifactCache, parse_size

    cache = ArtifactCache()
    result = cache.cleanup(parse_size(args.max_size))
    print(f"removed {result.removed_files} file(s), {_size(result.removed_bytes)}; "
          f"{_size(result.kept_bytes)} kept in {cache.root}")  # fmt: skip
    return 0
