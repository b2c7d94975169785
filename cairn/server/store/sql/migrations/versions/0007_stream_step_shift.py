"""stream_offsets.step_shift: where a run resumed offline, without its last step, continues

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stream_offsets", sa.Column("step_shift", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stream_offsets") as batch:
        batch.drop_column("step_shift")
