"""sweeps: the sweeps table and the runs they handed out (runs.sweep_pk)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("id", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("config", Json, nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("metric_name", sa.String(length=256), nullable=True),
        sa.Column("metric_goal", sa.String(length=8), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("project_pk", "id", name="uq_sweeps_project_id"),
    )
    op.create_index("ix_sweeps_project_created", "sweeps", ["project_pk", "created_at"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot ALTER a constraint in, but adds a column with an inline REFERENCES
        # clause without rebuilding the runs table.
        op.execute(
            "ALTER TABLE runs ADD COLUMN sweep_pk INTEGER REFERENCES sweeps (pk) ON DELETE SET NULL"
        )
    else:
        op.add_column("runs", sa.Column("sweep_pk", BigId, nullable=True))
        op.create_foreign_key(
            "runs_sweep_pk_fkey", "runs", "sweeps", ["sweep_pk"], ["pk"], ondelete="SET NULL"
        )
    op.create_index("ix_runs_sweep_pk", "runs", ["sweep_pk"])


def downgrade() -> None:
    op.drop_index("ix_runs_sweep_pk", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("sweep_pk")
    op.drop_index("ix_sweeps_project_created", table_name="sweeps")
    op.drop_table("sweeps")
