"""docs/cli.md is the reference the parsers generate, and it covers every command."""

from __future__ import annotations

from pathlib import Path

from cairn.cli.clidoc import PAGE, render_page

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_is_the_generated_one() -> None:
    assert (ROOT / PAGE).read_text() == render_page(), "docs/cli.md is stale: make docs"


def test_every_command_has_a_section_with_its_options() -> None:
    page = render_page()
    for command in ("server", "sync", "login", "export", "sweep", "agent", "runs", "project"):
        assert f"## `cairn {command}`" in page
    assert "`--upload-part-mb`" in page  # a server option, listed with its help
    assert "## `cairn runs tag`" in page  # subcommands get their own sections
