"""The command line and environment of a sweep trial: W&B's ``command`` macros, expanded.

Pure: no processes started, no files written (the caller names the ``${args_json_file}``
path and writes it). The default command is W&B's, ``${env} ${interpreter} ${program}
${args}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from cairn.errors import InvalidInputError

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
ENV_PROGRAM = "/usr/bin/env"
_LIST_MACROS = ("${args}", "${args_no_hyphens}")


def flat_args(params: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The parameters as (name, value) pairs in the order given; a nested dict stays one value
    (its name is the top-level key), as W&B passes nested parameters."""
    return [(str(name), value) for name, value in params.items()]


def arg_text(value: Any) -> str:
    """A parameter value as command-line text: strings as they are, numbers and booleans as
    Python prints them (``True``, ``0.001``), lists and dicts as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def build_command(
    params: Mapping[str, Any],
    *,
    command: Sequence[str] | None = None,
    program: str | None = None,
    interpreter: str | None = None,
    args_json_file: str | None = None,
) -> list[str]:
    """The argv of one trial.

    ``command``: the sweep config's ``command`` (default :data:`DEFAULT_COMMAND`); ``program``:
    its ``program``; ``interpreter``: the Python that runs it (default: the one running this
    code); ``args_json_file``: the path ``${args_json_file}`` stands for. ``${args}`` and
    ``${args_no_hyphens}`` expand to one item per parameter and must be items of their own;
    the others may sit inside a longer item (``--config=${args_json_file}``).
    InvalidInputError when a macro has nothing to stand for.
    """
    template = list(DEFAULT_COMMAND if command is None else command)
    pairs = flat_args(params)
    values = {
        "${env}": ENV_PROGRAM,
        "${interpreter}": interpreter or sys.executable,
        "${program}": program,
        "${args_json}": json.dumps(dict(params), separators=(",", ":")),
        "${args_json_file}": args_json_file,
    }
    argv: list[str] = []
    for item in template:
        item = str(item)
        if item == "${args}":
            argv += [f"--{name}={arg_text(value)}" for name, value in pairs]
            continue
        if item == "${args_no_hyphens}":
            argv += [f"{name}={arg_text(value)}" for name, value in pairs]
            continue
        for macro in _LIST_MACROS:
            if macro in item:
                raise InvalidInputError(
                    f"command: {macro} must be an item of its own, not part of {item!r}"
                )
        for macro, value in values.items():
            if macro in item:
                if value is None:
                    raise InvalidInputError(
                        "command: ${program} has nothing to stand for: set program in the "
                        "sweep config (the script to run)"
                        if macro == "${program}"
                        else f"command: {macro} needs the path of the file to write"
                    )
                item = item.replace(macro, value)
        argv.append(item)
    if not argv:
        raise InvalidInputError("command: is empty; give the program to run")
    return argv


def trial_env(
    *,
    run_id: str,
    sweep_id: str,
    params: Mapping[str, Any],
    entity: str,
    project: str,
    base_url: str,
    api_key: str | None,
) -> dict[str, str]:
    """The ``CAIRN_*`` variables a trial's process gets (on top of the agent's environment)."""
    env = {
        "CAIRN_RUN_ID": run_id,
        "CAIRN_SWEEP_ID": sweep_id,
        "CAIRN_SWEEP_PARAMS": json.dumps(dict(params), separators=(",", ":")),
        "CAIRN_PROJECT": project,
        "CAIRN_ENTITY": entity,
        "CAIRN_BASE_URL": base_url,
    }
    if api_key:
        env["CAIRN_API_KEY"] = api_key
    return env


def needs_json_file(command: Sequence[str] | None) -> bool:
    """Whether a command uses ``${args_json_file}`` (the caller then writes that file)."""
    return command is not None and any("${args_json_file}" in str(item) for item in command)
