"""``docs/environment.md``: generated from the registries of the variables the code reads.

``python tools/gen_docs.py`` (``make docs``) writes it; a test fails when it is out of date.
"""

from __future__ import annotations

from pathlib import Path

PAGE = Path("docs") / "environment.md"

_INTRO = """\
# Environment variables

Generated from the code by `make docs` (`tools/gen_docs.py`); do not edit by hand.

## SDK and command line

Read once, when `cairn.init()` builds its settings (and by `cairn sync`, `cairn sweep`,
`cairn agent`, `cairn login`). Arguments to `init()` and `settings=` win over these; these win
over the login file. An empty variable counts as unset.

"""

_SERVER = """

## Server

`cairn server` reads `CAIRN_SERVER_<SETTING>`; a command-line option wins over its variable.

"""


def server_table() -> str:
    """The ``CAIRN_SERVER_*`` variables as a Markdown table, described by the option each
    stands for (or, without one, by ``ENV_ONLY_HELP``)."""
    from cairn.cli.main import build_parser
    from cairn.server.settings import ENV_ONLY_HELP, env_variables

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    server = commands.choices["server"]  # type: ignore[index]
    options = {a.dest: a for a in server._actions if a.option_strings}
    lines = ["| variable | option | meaning |", "| --- | --- | --- |"]
    for variable, field in env_variables().items():
        action = options.get(field)
        if action is not None and action.help:
            lines.append(f"| `{variable}` | `{action.option_strings[0]}` | {action.help} |")
        elif field in ENV_ONLY_HELP:
            lines.append(f"| `{variable}` | | {ENV_ONLY_HELP[field]} |")
        else:
            raise ValueError(f"{variable} has no description: add one to ENV_ONLY_HELP")
    return "\n".join(lines)


def render_page() -> str:
    """The whole page."""
    from cairn.sdk.envvars import render_sdk_table

    return _INTRO + render_sdk_table() + _SERVER + server_table() + "\n"
