"""SDK fixtures: a real server on SQLite, and a working directory for run logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "server")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (run logs go to ./cairn) and no CAIRN_* surprises."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("CAIRN_BASE_URL", "CAIRN_API_KEY", "CAIRN_MODE", "CAIRN_PROJECT", "CAIRN_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAIRN_NETRC", str(tmp_path / "netrc"))
    monkeypatch.setenv("CAIRN_ENTITY", "tester")
    return work
