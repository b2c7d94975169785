"""Compat fixtures: a real Cairn server on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A running server on an empty database (SQLite file or PostgreSQL schema)."""
    proc = start_server(tmp_path / "data", db_url=db_url)
    try:
        yield proc
    finally:
        proc.stop()
