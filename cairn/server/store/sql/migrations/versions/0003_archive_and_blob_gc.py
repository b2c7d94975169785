"""archive runs and projects; blob touch times and a reference index for garbage collection

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both backends: SQLite's batch mode would copy and drop the tables,
    # and dropping `runs` with foreign keys on would cascade into everything under it.
    op.add_column("runs", sa.Column("archived_at", sa.Float(), nullable=True))
    op.add_column("projects", sa.Column("archived_at", sa.Float(), nullable=True))
    op.add_column("blobs", sa.Column("touched_at", sa.Float(), nullable=False, server_default="0"))
    op.execute("UPDATE blobs SET touched_at = created_at")
    op.create_index("ix_blobs_touched", "blobs", ["touched_at"])
    op.create_index("ix_run_files_sha256", "run_files", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_run_files_sha256", table_name="run_files")
    op.drop_index("ix_blobs_touched", table_name="blobs")
    op.drop_column("blobs", "touched_at")
    op.drop_column("projects", "archived_at")
    op.drop_column("runs", "archived_at")
