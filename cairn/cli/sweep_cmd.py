"""``cairn sweep`` (create, pause, resume, stop, cancel) and ``cairn agent`` (run trials)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInputError

if TYPE_CHECKING:
    from cairn.sdk.settings import Settings
    from cairn.sweeps.agent import SweepApi, SweepPath

ACTIONS = ("pause", "resume", "stop", "cancel")
_ACTION_HELP = {
    "pause": "hand out no trials until resumed (running trials go on)",
    "resume": "hand out trials again",
    "stop": "hand out no more trials; running trials finish",
    "cancel": "hand out no more trials and stop the running ones",
}


def register(commands: Any) -> None:
    """Add ``sweep`` and ``agent``."""
    sweep = commands.add_parser(
        "sweep",
        help="create a sweep from a config file, or pause/resume/stop/cancel one",
        description=(
            "cairn sweep CONFIG.yaml --project P: create a sweep (a W&B sweep config runs as "
            "is) and print the command that starts agents. cairn sweep pause|resume|stop|"
            "cancel ENTITY/PROJECT/SWEEP_ID: control it."
        ),
    )
    sweep.add_argument("what", nargs="+", metavar="CONFIG | ACTION SWEEP",
                       help="a sweep config file, or one of pause, resume, stop, cancel and "
                            "the sweep (ENTITY/PROJECT/SWEEP_ID)")  # fmt: skip
    sweep.add_argument("--project", help="project (default: the config's, else CAIRN_PROJECT)")
    sweep.add_argument("--entity", help="entity (default: the config's, else your user)")
    sweep.add_argument("--name", help="the sweep's name (default: the config's)")
    for action in ACTIONS:  # W&B's spelling: wandb sweep --stop SWEEP
        sweep.add_argument(f"--{action}", action="store_true", help=_ACTION_HELP[action])
    _server_option(sweep)
    sweep.set_defaults(handler=sweep_command)

    agent = commands.add_parser(
        "agent",
        help="run trials of a sweep until it is done",
        description=(
            "Ask the server for trials of the sweep and run each (as the sweep's command) "
            "until the sweep is done or --count trials ran. Start as many agents, on as many "
            "machines, as you like. Ctrl-C ends the current trial (its run killed) and exits."
        ),
    )
    agent.add_argument("sweep", metavar="ENTITY/PROJECT/SWEEP_ID")
    agent.add_argument("--count", type=int, help="run at most this many trials")
    agent.add_argument("--project", help="project, when SWEEP is only the id")
    agent.add_argument("--entity", help="entity, when SWEEP has no entity")
    agent.add_argument("--poll-interval", type=float, default=None, metavar="SECONDS",
                       help="how often to ask a paused sweep again (default 10)")  # fmt: skip
    _server_option(agent)
    agent.set_defaults(handler=agent_command)


def _server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="server URL (default: CAIRN_BASE_URL or the login's)")


def _settings(args: argparse.Namespace) -> Settings:
    from cairn.sdk.settings import load_settings

    return load_settings(base_url=args.base_url)


def _api(settings: Settings) -> SweepApi:
    from cairn.sweeps.agent import SweepApi

    return SweepApi(settings.base_url, settings.api_key)


def _path(args: argparse.Namespace, text: str, settings: Settings) -> SweepPath:
    from cairn.sweeps.agent import SweepPath

    return SweepPath.parse(
        text, args.entity or settings.default_entity(), args.project or settings.project
    )


def sweep_command(args: argparse.Namespace) -> int:
    """Create a sweep, or pause, resume, stop or cancel one."""
    what: list[str] = args.what
    flagged = [a for a in ACTIONS if getattr(args, a)]
    if len(flagged) > 1:
        raise InvalidInputError(f"give one action, not {', '.join('--' + a for a in flagged)}")
    if flagged:
        if len(what) != 1:
            raise InvalidInputError(f"--{flagged[0]} takes one sweep: ENTITY/PROJECT/SWEEP_ID")
        return _control(args, flagged[0], what[0])
    if len(what) == 2 and what[0] in ACTIONS:
        return _control(args, what[0], what[1])
    if len(what) != 1:
        raise InvalidInputError(
            "usage: cairn sweep CONFIG.yaml --project P, or cairn sweep "
            f"{'|'.join(ACTIONS)} ENTITY/PROJECT/SWEEP_ID"
        )
    return _create(args, Path(what[0]))


def read_config(path: Path) -> dict[str, Any]:
    """A sweep config file (YAML or JSON) as a mapping; InvalidInputError saying why not."""
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise InvalidInputError(f"cannot read the sweep config {path}: {exc.strerror}") from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"the sweep config {path} is not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise InvalidInputError(f"the sweep config {path} must hold a mapping at the top")
    return config


def _create(args: argparse.Namespace, config_path: Path) -> int:
    from cairn.sdk.links import known_public_url
    from cairn.wire import check_name

    config = read_config(config_path)
    settings = _settings(args)
    from_file = {k: config.get(k) for k in ("project", "entity", "name")}
    for key, value in from_file.items():
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(f"{key}: must be a string in the sweep config {config_path}")
    project = check_name(
        args.project or from_file["project"] or settings.project or "uncategorized", "project"
    )
    entity = check_name(args.entity or from_file["entity"] or settings.default_entity(), "entity")
    api = _api(settings)
    try:
        sweep = api.create(entity, project, config, args.name or from_file["name"])
    finally:
        api.close()
    path = sweep.get("path") or f"{entity}/{project}/{sweep['id']}"
    base = known_public_url(settings.base_url) or settings.base_url
    e, p, sweep_id = path.split("/")
    print(f"Created sweep {sweep_id}" + (f" ({sweep['name']})" if sweep.get("name") else ""))
    print(f"View it at {base.rstrip('/')}/{e}/{p}/sweeps/{sweep_id}")
    print("Start agents (on any machines) with:")
    print(f"  cairn agent {path}")
    return 0


def _control(args: argparse.Namespace, action: str, text: str) -> int:
    settings = _settings(args)
    path = _path(args, text, settings)
    api = _api(settings)
    try:
        sweep = api.control(path, action)
    finally:
        api.close()
    print(f"sweep {path}: {sweep.get('state', action)}")
    return 0


def agent_command(args: argparse.Namespace) -> int:
    """Run trials of a sweep."""
    from cairn.sweeps.agent import POLL_S, Agent

    poll_s = POLL_S if args.poll_interval is None else args.poll_interval
    if not poll_s > 0:
        raise InvalidInputError("--poll-interval must be a number of seconds > 0")
    settings = _settings(args)
    path = _path(args, args.sweep, settings)
    api = _api(settings)
    try:
        return Agent(path, api, count=args.count, poll_s=poll_s, out=sys.stderr).run()
    finally:
        api.close()
