"""artifacts: collections, versions, manifest entries, aliases, lineage links, record ids

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")
CodePoint = sa.String(1024).with_variant(sa.String(1024, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "artifact_collections",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("project_pk", "name", name="uq_artifact_collections_project_name"),
    )
    op.create_index(
        "ix_artifact_collections_project_type", "artifact_collections", ["project_pk", "type"]
    )
    op.create_table(
        "artifact_versions",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("collection_pk", BigId, nullable=False),
        sa.Column("version_index", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metadata", Json, nullable=False),
        sa.Column("file_count", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_by_run_pk", BigId, nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["collection_pk"], ["artifact_collections.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_run_pk"], ["runs.pk"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("collection_pk", "version_index", name="uq_artifact_versions_index"),
        sa.UniqueConstraint("collection_pk", "digest", name="uq_artifact_versions_digest"),
    )
    op.create_index("ix_artifact_versions_expires", "artifact_versions", ["expires_at"])
    op.create_index("ix_artifact_versions_run", "artifact_versions", ["created_by_run_pk"])
    op.create_table(
        "artifact_entries",
        sa.Column("version_pk", BigId, nullable=False),
        sa.Column("path", CodePoint, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("md5", sa.String(length=64), nullable=True),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("checksum", sa.Text(), nullable=True),
        sa.Column("extra", Json, nullable=True),
        sa.ForeignKeyConstraint(["version_pk"], ["artifact_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_pk", "path"),
    )
    op.create_index("ix_artifact_entries_sha256", "artifact_entries", ["sha256"])
    op.create_table(
        "artifact_aliases",
        sa.Column("collection_pk", BigId, nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("version_pk", BigId, nullable=False),
        sa.ForeignKeyConstraint(["collection_pk"], ["artifact_collections.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_pk"], ["artifact_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("collection_pk", "alias"),
    )
    op.create_index("ix_artifact_aliases_version", "artifact_aliases", ["version_pk"])
    op.create_table(
        "artifact_links",
        sa.Column("run_pk", BigId, nullable=False),
        sa.Column("version_pk", BigId, nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_pk"], ["artifact_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_pk", "version_pk", "direction"),
    )
    op.create_index("ix_artifact_links_version", "artifact_links", ["version_pk", "direction"])
    op.create_table(
        "artifact_log_ids",
        sa.Column("project_pk", BigId, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("version_pk", BigId, nullable=False),
        sa.ForeignKeyConstraint(["project_pk"], ["projects.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_pk"], ["artifact_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_pk", "id"),
    )
    op.create_index("ix_artifact_log_ids_version", "artifact_log_ids", ["version_pk"])


def downgrade() -> None:
    for table in (
        "artifact_log_ids",
        "artifact_links",
        "artifact_aliases",
        "artifact_entries",
        "artifact_versions",
        "artifact_collections",
    ):
        op.drop_table(table)
