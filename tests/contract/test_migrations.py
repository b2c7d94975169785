"""The migrations build exactly the schema in schema.py, and a newer schema is refused."""

from __future__ import annotations

from typing import Any

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
        if engine.dialect.name == "sqlite":
            # 0006 adds runs.sweep_pk with an inline REFERENCES clause (no table rebuild);
            # SQLAlchemy reflects inline foreign keys without their ON DELETE, so check that
            # one against SQLite itself and drop its remove/add pair from the diff.
            fks = conn.exec_driver_sql("PRAGMA foreign_key_list(runs)").all()
            assert ("sweeps", "sweep_pk", "pk", "SET NULL") in [
                (fk[2], fk[3], fk[4], fk[6]) for fk in fks
            ]
            diff = [d for d in diff if not _is_sweep_fk(d)]
        else:
            # 0009's trigram index exists where pg_trgm could be installed; schema.py leaves it
            # out (it may be absent), so check it here and drop it from the diff.
            assert _has_index(conn, "ix_runs_name_trgm") == _trigram_visible(conn)
            diff = [d for d in diff if not _is_trigram_index(d)]
    assert diff == []
    assert current_revision(engine) == head_revision()


def _is_sweep_fk(change: object) -> bool:
    if not (isinstance(change, tuple) and change[0] in ("add_fk", "remove_fk")):
        return False
    fk = change[1]
    return [e.target_fullname for e in fk.elements] == ["sweeps.pk"]


def _is_trigram_index(change: object) -> bool:
    return (
        isinstance(change, tuple)
        and change[0] == "remove_index"
        and change[1].name == "ix_runs_name_trgm"
    )


def _has_index(conn: Any, name: str) -> bool:
    found = conn.scalar(
        text(
            "SELECT count(*) FROM pg_indexes WHERE indexname = :n AND schemaname = current_schema()"
        ),
        {"n": name},
    )
    return bool(found)


def _trigram_visible(conn: Any) -> bool:
    return bool(
        conn.scalar(
            text(
                "SELECT count(*) FROM pg_opclass WHERE opcname = 'gin_trgm_ops'"
                " AND pg_opclass_is_visible(oid)"
            )
        )
    )


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_a_schema_newer_than_this_cairn_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaVersionError, match="newer than this Cairn knows"):
        upgrade(engine)


def test_0003_keeps_runs_and_their_children_and_dates_blob_touches(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import func, select

    from cairn.server.store.sql.engine import open_engine
    from cairn.server.store.sql.migrate import alembic_config

    engine = open_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO entities (name, kind, created_at) VALUES ('t','team',0)")
            )
            conn.execute(
                text(
                    "INSERT INTO projects (entity_pk, name, visibility, description, created_at,"
                    " updated_at) VALUES (1, 'p', 'private', '', 0, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO runs (project_pk, id, name, state, config, summary, tags, notes,"
                    " created_at, updated_at, heartbeat_at, console_lines) VALUES"
                    " (1, 'r1', 'n', 'finished', '{}', '{}', '[]', '', 0, 0, 0, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO run_files (run_pk, path, sha256, size, updated_at) VALUES"
                    " (1, 'a.txt', :sha, 1, 0)"
                ),
                {"sha": "ab" * 32},
            )
            conn.execute(
                text("INSERT INTO blobs (sha256, size, created_at) VALUES (:sha, 1, 42.5)"),
                {"sha": "ab" * 32},
            )
        upgrade(engine)
        from cairn.server.store.sql.schema import blobs, run_files, runs

        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(runs)) == 1
            assert conn.scalar(select(func.count()).select_from(run_files)) == 1
            assert conn.scalar(select(runs.c.archived_at)) is None
            assert conn.scalar(select(blobs.c.touched_at)) == 42.5
    finally:
        engine.dispose()
