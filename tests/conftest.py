"""Shared fixtures: real databases (SQLite file, PostgreSQL schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

PG_ADMIN_URL = os.environ.get("CAIRN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cairn.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
