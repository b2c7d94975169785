"""``docs/cli.md``: the command-line reference, generated from the argument parsers.

``python tools/gen_docs.py`` (``make docs``) writes it; a test fails when it is out of date, so
the reference can only say what ``cairn --help`` says.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

PAGE = Path("docs") / "cli.md"

_INTRO = """\
# Command line

Generated from the code by `make docs` (`tools/gen_docs.py`); do not edit by hand. Every command
also answers `--help`. Environment variables: [environment.md](environment.md).

"""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps no public list of its subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each subcommand's one-line ``help`` (shown in its parent's listing)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...], about: str
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    yield path, parser, about
    helps = _helps(parser)
    for name, sub in sorted(_subcommands(parser).items()):
        yield from _walk(sub, (*path, name), helps.get(name, ""))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _option_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            names = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.nargs != 0:
                names += f" `{action.metavar or action.dest.upper()}`"
        else:
            names = f"`{action.metavar or action.dest}`"
        help_text = (action.help or "") % {"default": action.default} if action.help else ""
        if action.choices is not None and not isinstance(action.choices, dict):
            help_text += f" (one of: {', '.join(map(str, action.choices))})"
        rows.append(f"| {names} | {_cell(help_text)} |")
    return rows


def _section(path: tuple[str, ...], parser: argparse.ArgumentParser, help_line: str) -> str:
    title = " ".join(("cairn", *path))
    usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
    lines = [f"## `{title}`", ""]
    about = parser.description or help_line
    if about:
        lines += [" ".join(about.split()), ""]
    lines += ["```", usage, "```", ""]
    rows = _option_rows(parser)
    if rows:
        lines += ["| argument | meaning |", "| --- | --- |", *rows, ""]
    subs = _subcommands(parser)
    if subs:
        lines += ["Subcommands: " + ", ".join(f"`{name}`" for name in sorted(subs)) + ".", ""]
    return "\n".join(lines)


def render_page() -> str:
    """The whole page: one section per command and subcommand, in command order."""
    from cairn.cli.main import build_parser

    parser = build_parser()
    parser.prog = "cairn"
    sections = [_section(path, sub, about) for path, sub, about in _walk(parser, (), "")]
    return _INTRO + "\n".join(sections).rstrip() + "\n"
