"""Shared fixtures: real databases (SQLite file, PostgreSQL schema per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cairn.server.store.metadata import MetadataStore
from tests.dbhelp import pg_schema


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cairn.db'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database with Cairn's schema created by its migrations."""
    from cairn.server.store.sql.engine import open_engine
    from cairn.server.store.sql.migrate import upgrade

    eng = open_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def meta(engine: Engine) -> Iterator[MetadataStore]:
    """The SQL metadata store over :func:`engine` (which the fixture disposes)."""
    from cairn.server.store.sql.series import SqlSeriesStore
    from cairn.server.store.sql.store import SqlMetadataStore

    return SqlMetadataStore(engine, SqlSeriesStore())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (run logs go to ./cairn) and no CAIRN_* surprises."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    from cairn.sdk.envvars import SDK_VARIABLES

    for var in SDK_VARIABLES:
        monkeypatch.delenv(var.name, raising=False)
    monkeypatch.setenv("CAIRN_NETRC", str(tmp_path / "netrc"))
    monkeypatch.setenv("CAIRN_ENTITY", "tester")
    return work
