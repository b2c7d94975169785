"""Chaos fixtures: an empty working directory for run logs, and no login surprises."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (run logs go to ./cairn), entity ``chaos``."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("CAIRN_ENTITY", "chaos")
    monkeypatch.setenv("CAIRN_NETRC", str(tmp_path / "netrc"))
    return work
