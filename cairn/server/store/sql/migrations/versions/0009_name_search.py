"""name search: a pg_trgm index on runs.name where PostgreSQL has the extension

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-20 10:00:00

``$contains`` and ``$regex`` on ``name`` compile to ``name COLLATE "C" ILIKE / ~ / ~*`` on
PostgreSQL (see ``cairn.server.query.sqlfilter``); a trigram GIN index on the same expression
serves them. pg_trgm ships with PostgreSQL but must be installed per database: the migration
installs it when the role may (it is a trusted extension since PostgreSQL 13), and otherwise
goes on without the index, which only costs speed. SQLite has no such index: its runs are few
enough per project to scan. The index is not part of ``schema.py``, since it may be absent.
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_runs_name_trgm"
log = logging.getLogger("cairn.server")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not trigram_ready(bind):
        log.warning(
            "pg_trgm is not available to this database role: run searches scan the project's "
            "runs; CREATE EXTENSION pg_trgm, then CREATE INDEX %s ON runs USING gin "
            '(name COLLATE "C" gin_trgm_ops) to index them',
            INDEX,
        )
        return
    op.execute(f'CREATE INDEX {INDEX} ON runs USING gin (name COLLATE "C" gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")


def trigram_ready(bind: Connection) -> bool:
    """Install pg_trgm if missing and allowed; whether its GIN operator class is now usable."""
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError:
        savepoint.rollback()  # not installed on the server, or not ours to install
    else:
        savepoint.commit()
    # Installed into another schema (not on our search_path), it is of no use here.
    visible = bind.scalar(
        text(
            "SELECT count(*) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod "
            "WHERE c.opcname = 'gin_trgm_ops' AND a.amname = 'gin' "
            "AND pg_opclass_is_visible(c.oid)"
        )
    )
    return bool(visible)
