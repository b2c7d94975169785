"""workspace layouts per user, and named views shared with the project

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "user_workspaces",
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("user_pk", BigId, nullable=False),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_pk"], ["users.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_pk", "user_pk"),
    )
    op.create_table(
        "views",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("project_pk", "id", name="uq_views_project_id"),
        sa.UniqueConstraint("project_pk", "name", name="uq_views_project_name"),
    )


def downgrade() -> None:
    op.drop_table("views")
    op.drop_table("user_workspaces")
