"""``cairn runs ...`` and ``cairn project ...``: list, edit, tag, archive, move and delete."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cairn.errors import InvalidInputError


def _api(args: argparse.Namespace) -> Any:
    from cairn.sdk.api.public import Api

    return Api(base_url=args.base_url)


def _server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="server URL (default: CAIRN_BASE_URL or the login's)")


def _confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInputError(f"{question} Pass --yes to confirm (no terminal to ask on).")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise InvalidInputError("nothing changed")


def register(commands: Any) -> None:
    """Add ``runs`` and ``project`` with their subcommands."""
    runs = commands.add_parser("runs", help="list and tidy up runs")
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="SUBCOMMAND", required=True)

    ls = runs_sub.add_parser("ls", help="list a project's runs")
    ls.add_argument("project", metavar="ENTITY/PROJECT")
    ls.add_argument("--filter", help='text filter, e.g. "config.lr > 0.01 and state = finished"')
    ls.add_argument("--order", help='sort, e.g. "-summary.acc" (default: newest first)')
    ls.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    ls.add_argument("--archived", choices=["exclude", "include", "only"], default="exclude")
    _server_option(ls)
    ls.set_defaults(handler=list_runs)

    for name, action, help_text in (
        ("tag", "tag", "add tags to runs"),
        ("untag", "untag", "remove tags from runs"),
    ):
        p = runs_sub.add_parser(name, help=help_text)
        p.add_argument("paths", nargs="+", metavar="ENTITY/PROJECT/RUN_ID")
        p.add_argument("--tag", dest="tags", action="append", required=True, help="repeatable")
        _server_option(p)
        p.set_defaults(handler=bulk_runs, action=action)
    for name, action, help_text in (
        ("archive", "archive", "hide runs from default listings (kept, restorable)"),
        ("restore", "restore", "show archived runs again"),
    ):
        p = runs_sub.add_parser(name, help=help_text)
        p.add_argument("paths", nargs="+", metavar="ENTITY/PROJECT/RUN_ID")
        _server_option(p)
        p.set_defaults(handler=bulk_runs, action=action)

    move = runs_sub.add_parser("move", help="move runs to another project of their entity")
    move.add_argument("paths", nargs="+", metavar="ENTITY/PROJECT/RUN_ID")
    move.add_argument("--to", dest="target", required=True, metavar="PROJECT")
    _server_option(move)
    move.set_defaults(handler=bulk_runs, action="move")

    rm = runs_sub.add_parser("rm", help="delete runs and everything stored under them")
    rm.add_argument("paths", nargs="+", metavar="ENTITY/PROJECT/RUN_ID")
    rm.add_argument("--yes", action="store_true", help="do not ask")
    _server_option(rm)
    rm.set_defaults(handler=bulk_runs, action="delete")

    edit = runs_sub.add_parser("edit", help="rename a run or set its notes, group or job type")
    edit.add_argument("path", metavar="ENTITY/PROJECT/RUN_ID")
    edit.add_argument("--name")
    edit.add_argument("--notes")
    edit.add_argument("--group")
    edit.add_argument("--job-type")
    _server_option(edit)
    edit.set_defaults(handler=edit_run)

    project = commands.add_parser("project", help="list and tidy up projects")
    sub = project.add_subparsers(dest="project_command", metavar="SUBCOMMAND", required=True)
    pls = sub.add_parser("ls", help="projects you can see")
    pls.add_argument("entity", nargs="?")
    _server_option(pls)
    pls.set_defaults(handler=list_projects)
    rename = sub.add_parser("rename", help="rename a project (admins)")
    rename.add_argument("project", metavar="ENTITY/PROJECT")
    rename.add_argument("name", metavar="NEW_NAME")
    _server_option(rename)
    rename.set_defaults(handler=edit_project, field="name")
    vis = sub.add_parser("visibility", help="private, team or public (admins)")
    vis.add_argument("project", metavar="ENTITY/PROJECT")
    vis.add_argument("visibility", choices=["private", "team", "public"])
    _server_option(vis)
    vis.set_defaults(handler=edit_project, field="visibility")
    for name, archived in (("archive", True), ("restore", False)):
        p = sub.add_parser(name, help=f"{name} a project (admins)")
        p.add_argument("project", metavar="ENTITY/PROJECT")
        _server_option(p)
        p.set_defaults(handler=edit_project, field="archived", archived=archived)
    usage = sub.add_parser("usage", help="disk a project takes")
    usage.add_argument("project", metavar="ENTITY/PROJECT")
    _server_option(usage)
    usage.set_defaults(handler=project_usage)
    prm = sub.add_parser("rm", help="delete a project and all its runs (admins)")
    prm.add_argument("project", metavar="ENTITY/PROJECT")
    prm.add_argument("--yes", action="store_true", help="do not ask")
    _server_option(prm)
    prm.set_defaults(handler=delete_project)


def list_runs(args: argparse.Namespace) -> int:
    """Print a table of runs: id, state, name, tags."""
    if args.limit < 1:
        raise InvalidInputError("--limit must be at least 1")
    runs = _api(args).runs(
        args.project,
        filters=args.filter or None,
        order=args.order or "-created_at",
        per_page=min(args.limit, 1000),
        archived=args.archived,
    )
    for shown, run in enumerate(runs):
        if shown == args.limit:
            print("... more runs: raise --limit or narrow --filter", file=sys.stderr)
            break
        archived = " (archived)" if run.archived else ""
        print(f"{run.id}\t{run.state}{archived}\t{run.name}\t{','.join(run.tags)}")
    return 0


def bulk_runs(args: argparse.Namespace) -> int:
    """Tag, untag, archive, restore, move or delete runs (one request per project)."""
    api = _api(args)
    if args.action == "delete":
        _confirm(args, f"Delete {len(args.paths)} run(s) and all their data?")
    calls = {
        "tag": lambda: api.tag_runs(args.paths, args.tags),
        "untag": lambda: api.untag_runs(args.paths, args.tags),
        "archive": lambda: api.archive_runs(args.paths),
        "restore": lambda: api.restore_runs(args.paths),
        "move": lambda: api.move_runs(args.paths, args.target),
        "delete": lambda: api.delete_runs(args.paths),
    }
    changed = calls[args.action]()
    done = {"tag": "tagged", "untag": "untagged", "archive": "archived", "restore": "restored",
            "move": f"moved to {getattr(args, 'target', '')}", "delete": "deleted"}  # fmt: skip
    print(f"{done[args.action]} {changed} run(s)")
    return 0


def edit_run(args: argparse.Namespace) -> int:
    """Rename a run or set its notes, group or job type."""
    changes = {
        k: v
        for k, v in (("name", args.name), ("notes", args.notes), ("group", args.group),
                     ("job_type", args.job_type))
        if v is not None
    }  # fmt: skip
    if not changes:
        raise InvalidInputError("nothing to change: pass --name, --notes, --group or --job-type")
    run = _api(args).run(args.path)
    run.update(**changes)
    print(f"updated {run.path}: " + ", ".join(f"{k}={v!r}" for k, v in changes.items()))
    return 0


def list_projects(args: argparse.Namespace) -> int:
    """Print the projects you can see."""
    for p in _api(args).projects(args.entity):
        print(f"{p.entity}/{p.name}\t{p.run_count} runs\t{p.visibility}")
    return 0


def edit_project(args: argparse.Namespace) -> int:
    """Rename, change visibility, archive or restore a project."""
    value = (
        getattr(args, "archived", None) if args.field == "archived" else getattr(args, args.field)
    )
    project = _api(args).update_project(args.project, **{args.field: value})
    print(f"{project['entity']}/{project['name']}: {args.field} = {value!r}")
    return 0


def project_usage(args: argparse.Namespace) -> int:
    """Print what a project takes on disk."""
    usage = _api(args).project_usage(args.project)
    for label, key in (("runs", "runs"), ("series", "series"), ("series bytes", "series_bytes"),
                       ("files", "files"), ("blob bytes", "blob_bytes")):  # fmt: skip
        print(f"{label}\t{usage[key]}")
    return 0


def delete_project(args: argparse.Namespace) -> int:
    """Delete a project and all its runs."""
    _confirm(args, f"Delete the project {args.project} and all its runs?")
    _api(args).delete_project(args.project)
    print(f"deleted {args.project}")
    return 0
