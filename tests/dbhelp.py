"""Database helpers shared by tests and benchmarks: a throwaway PostgreSQL schema, a run row."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, insert, text

from cairn.server.store.sql.schema import entities, projects, runs

PG_ADMIN_URL = os.environ.get("CAIRN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_schema(prefix: str = "t") -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped (with everything in it) afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def insert_run(engine: Engine, entity: str = "e", run_id: str = "r1") -> int:
    """Insert an entity, a project ``p`` and a running run directly; return the run's pk."""
    now = time.time()
    with engine.begin() as conn:
        ent = conn.execute(
            insert(entities)
            .values(name=entity, kind="team", created_at=now)
            .returning(entities.c.pk)
        ).scalar_one()
        proj = conn.execute(
            insert(projects)
            .values(
                entity_pk=ent,
                name="p",
                visibility="private",
                description="",
                created_at=now,
                updated_at=now,
            )
            .returning(projects.c.pk)
        ).scalar_one()
        return int(
            conn.execute(
                insert(runs)
                .values(project_pk=proj, id=run_id, name="r", state="running", config={},
                        summary={}, tags=[], notes="", created_at=now, updated_at=now,
                        heartbeat_at=now, console_lines=0)
                .returning(runs.c.pk)
            ).scalar_one()
        )  # fmt: skip
