"""The migrations build exactly the schema in schema.py, and a newer schema is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from cairn.errors import SchemaVersionError
from cairn.server.store.sql.migrate import current_revision, head_revision, upgrade
from cairn.server.store.sql.schema import metadata


def test_migrated_database_matches_the_schema_module(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(engine) == head_revision()


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_a_schema_newer_than_this_cairn_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaVersionError, match="newer than this Cairn knows"):
        upgrade(engine)
