"""blob uploads: who uploaded a blob (blob_uploaders) and resumable multipart sessions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_uploaders",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploader", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "uploader"),
    )
    op.create_index("ix_blob_uploaders_uploaded", "blob_uploaders", ["uploaded_at"])
    op.create_table(
        "blob_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("uploader", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("part_size", sa.BigInteger(), nullable=False),
        sa.Column("project", sa.String(length=257), nullable=False),
        sa.Column("handle", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uploader", "sha256", name="uq_blob_uploads_uploader_sha256"),
    )
    op.create_index("ix_blob_uploads_expires", "blob_uploads", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_blob_uploads_expires", table_name="blob_uploads")
    op.drop_table("blob_uploads")
    op.drop_index("ix_blob_uploaders_uploaded", table_name="blob_uploaders")
    op.drop_table("blob_uploaders")
