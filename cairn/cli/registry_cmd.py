"""``cairn registry ls|link|alias`` and ``cairn automation ls|create|rm|test``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cairn.errors import InvalidInputError

FILTER_OPTIONS = ("model", "alias", "project", "artifact", "type", "metric", "op", "threshold")


def _api(args: argparse.Namespace) -> Any:
    from cairn.sdk.api.public import Api

    return Api(base_url=args.base_url)


def _server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="server URL (default: CAIRN_BASE_URL or the login's)")


def register(commands: Any) -> None:
    """Add ``registry`` and ``automation`` with their subcommands."""
    registry = commands.add_parser("registry", help="the model registry")
    sub = registry.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", required=True)
    ls = sub.add_parser("ls", help="an entity's registered models, or one model's versions")
    ls.add_argument("path", nargs="?", metavar="ENTITY[/MODEL]",
                    help="default: your entity's models")  # fmt: skip
    _server_option(ls)
    ls.set_defaults(handler=list_registry)
    link = sub.add_parser("link", help="link an artifact version into a registered model")
    link.add_argument("artifact", metavar="ENTITY/PROJECT/NAME:VERSION")
    link.add_argument("model", metavar="[ENTITY/]MODEL")
    link.add_argument("--alias", dest="aliases", action="append", default=[],
                      help="move this alias onto it (repeatable)")  # fmt: skip
    _server_option(link)
    link.set_defaults(handler=link_version)
    alias = sub.add_parser("alias", help="point an alias at a version, or remove it (--rm)")
    alias.add_argument("model", metavar="[ENTITY/]MODEL")
    alias.add_argument("alias", metavar="ALIAS")
    alias.add_argument("version", nargs="?", metavar="VERSION", help="vN or another alias")
    alias.add_argument("--rm", action="store_true", help="remove the alias")
    _server_option(alias)
    alias.set_defaults(handler=move_alias)

    automation = commands.add_parser("automation", help="webhooks and Slack messages on events")
    asub = automation.add_subparsers(dest="automation_command", metavar="SUBCOMMAND",
                                     required=True)  # fmt: skip
    als = asub.add_parser("ls", help="an entity's automations")
    als.add_argument("entity", metavar="ENTITY")
    _server_option(als)
    als.set_defaults(handler=list_automations)
    create = asub.add_parser(
        "create",
        help="create an automation",
        description="Create an automation. Secrets come from standard input, never arguments: "
        "--secret-stdin (a webhook's HMAC key) or --slack-stdin (the Slack incoming-webhook URL).",
    )
    create.add_argument("entity", metavar="ENTITY")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--event", required=True, choices=["version_linked", "alias_moved",
                        "artifact_version_created", "run_metric_threshold"])  # fmt: skip
    target = create.add_mutually_exclusive_group(required=True)
    target.add_argument("--webhook", metavar="URL", help="POST the event as signed JSON here")
    target.add_argument("--slack-stdin", action="store_true",
                        help="post to Slack; read its incoming-webhook URL from stdin")  # fmt: skip
    create.add_argument("--secret-stdin", action="store_true",
                        help="read the webhook's HMAC secret from stdin")  # fmt: skip
    for option in FILTER_OPTIONS:
        create.add_argument(f"--{option}", type=float if option == "threshold" else str,
                            help=f"filter: only events whose {option} is this")  # fmt: skip
    create.add_argument("--disabled", action="store_true", help="create it switched off")
    _server_option(create)
    create.set_defaults(handler=create_automation)
    for name, handler, text in (("rm", delete_automation, "delete an automation"),
                                ("test", send_test, "send a test event now")):  # fmt: skip
        p = asub.add_parser(name, help=text)
        p.add_argument("entity", metavar="ENTITY")
        p.add_argument("name", metavar="NAME")
        _server_option(p)
        p.set_defaults(handler=handler)


def list_registry(args: argparse.Namespace) -> int:
    """Print models (name, versions, aliases) or one model's versions."""
    from cairn.registry.client import split_model

    api = _api(args)
    if args.path and "/" in args.path.strip("/"):
        model = api.registered_model(args.path)
        for v in model.versions():
            source = v.source_path or f"({v.source_status})"
            print(f"{v.version}\t{','.join(v.aliases)}\t{source}\t{v.linked_by or ''}")
        return 0
    entity = args.path.strip("/") if args.path else split_model("x")[0]
    for m in api.registered_models(entity):
        aliases = ",".join(f"{a}={v}" for a, v in m.aliases.items())
        print(f"{m.path}\t{m.version_count} versions\t{aliases}")
    return 0


def link_version(args: argparse.Namespace) -> int:
    """Link an artifact version and print the registry version."""
    from cairn.registry import link

    version = link(args.artifact, args.model, args.aliases, api=_api(args))
    aliases = f" ({', '.join(version.aliases)})" if version.aliases else ""
    print(f"linked {args.artifact} as {version.path}{aliases}")
    return 0


def move_alias(args: argparse.Namespace) -> int:
    """Point an alias at a version, or remove it."""
    from cairn.registry import remove_alias, set_alias

    if args.rm:
        if args.version is not None:
            raise InvalidInputError("--rm takes no VERSION")
        remove_alias(args.model, args.alias, api=_api(args))
        print(f"removed {args.alias} from {args.model}")
        return 0
    if args.version is None:
        raise InvalidInputError("name the VERSION the alias should point at (or pass --rm)")
    version = set_alias(args.model, args.alias, args.version, api=_api(args))
    print(f"{args.alias} -> {version.path}")
    return 0


def list_automations(args: argparse.Namespace) -> int:
    """Print automations: name, event, action, filter, on/off."""
    from cairn.registry import list_automations as listed

    for a in listed(args.entity, api=_api(args)):
        where = a["url"] or "slack"
        rule = ",".join(f"{k}={v}" for k, v in a["filter"].items()) or "-"
        state = "on" if a["enabled"] else "off"
        print(f"{a['name']}\t{a['event']}\t{a['action']} {where}\t{rule}\t{state}")
    return 0


def create_automation(args: argparse.Namespace) -> int:
    """Create an automation, secrets read from stdin."""
    from cairn.registry import create_automation as create

    if args.secret_stdin and args.slack_stdin:
        raise InvalidInputError("--secret-stdin is for webhooks; --slack-stdin reads the URL")
    secret = sys.stdin.readline().strip() if args.secret_stdin or args.slack_stdin else None
    if (args.secret_stdin or args.slack_stdin) and not secret:
        raise InvalidInputError("standard input held no secret")
    rule = {k: getattr(args, k) for k in FILTER_OPTIONS if getattr(args, k) is not None}
    made = create(
        args.entity,
        args.name,
        args.event,
        webhook_url=args.webhook,
        secret=secret if args.webhook else None,
        slack_url=secret if args.slack_stdin else None,
        filter=rule,
        enabled=not args.disabled,
        api=_api(args),
    )
    print(f"created automation {made['name']} ({made['event']} -> {made['action']})")
    return 0


def delete_automation(args: argparse.Namespace) -> int:
    """Delete an automation."""
    from cairn.registry import delete_automation as delete

    delete(args.entity, args.name, api=_api(args))
    print(f"deleted automation {args.name}")
    return 0


def send_test(args: argparse.Namespace) -> int:
    """Queue a test event."""
    from cairn.registry import send_test_event

    event_id = send_test_event(args.entity, args.name, api=_api(args))
    print(f"queued test event {event_id}; see its deliveries")
    return 0
