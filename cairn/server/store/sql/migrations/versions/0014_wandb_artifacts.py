"""W&B artifact uploads: versions the W&B client is building (until CommitArtifact applies
them as artifact records), the files it sent for each, and the MD5 of stored blobs

Revision ID: 0014
Revises: 0013
Create Date: 2027-01-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "wandb_artifacts",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("run_pk", BigId, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("wandb_digest", sa.String(length=64), nullable=False),
        sa.Column("spec", Json, nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("version_pk", BigId, nullable=True),
        sa.Column("committed_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_pk"], ["artifact_versions.pk"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index(
        "ix_wandb_artifacts_digest", "wandb_artifacts", ["project_pk", "name", "wandb_digest"]
    )
    op.create_index("ix_wandb_artifacts_client", "wandb_artifacts", ["client_id"])
    op.create_index("ix_wandb_artifacts_version", "wandb_artifacts", ["version_pk"])
    op.create_index("ix_wandb_artifacts_created", "wandb_artifacts", ["created_at"])
    op.create_table(
        "wandb_artifact_files",
        sa.Column("artifact_pk", BigId, nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["artifact_pk"], ["wandb_artifacts.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("artifact_pk", "md5"),
    )
    op.create_table(
        "blob_md5s",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_blob_md5s_md5", "blob_md5s", ["md5"])


def downgrade() -> None:
    op.drop_index("ix_blob_md5s_md5", table_name="blob_md5s")
    op.drop_table("blob_md5s")
    op.drop_table("wandb_artifact_files")
    op.drop_index("ix_wandb_artifacts_created", table_name="wandb_artifacts")
    op.drop_index("ix_wandb_artifacts_version", table_name="wandb_artifacts")
    op.drop_index("ix_wandb_artifacts_client", table_name="wandb_artifacts")
    op.drop_index("ix_wandb_artifacts_digest", table_name="wandb_artifacts")
    op.drop_table("wandb_artifacts")
