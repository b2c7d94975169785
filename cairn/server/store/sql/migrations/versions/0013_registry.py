"""model registry and automations: registered models, their versions, aliases and audit trail;
automations and their delivery log

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("entity_pk", BigId, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", Json, nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["entity_pk"], ["entities.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("entity_pk", "name", name="uq_registered_models_entity_name"),
    )
    op.create_table(
        "registry_versions",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("model_pk", BigId, nullable=False),
        sa.Column("version_index", sa.BigInteger(), nullable=False),
        sa.Column("artifact_version_pk", BigId, nullable=True),
        sa.Column("source_path", sa.String(length=512), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("linked_by", sa.String(length=128), nullable=True),
        sa.Column("linked_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["model_pk"], ["registered_models.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["artifact_version_pk"], ["artifact_versions.pk"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("model_pk", "version_index", name="uq_registry_versions_index"),
        sa.UniqueConstraint("model_pk", "artifact_version_pk", name="uq_registry_versions_source"),
    )
    op.create_index("ix_registry_versions_source", "registry_versions", ["artifact_version_pk"])
    op.create_table(
        "registry_aliases",
        sa.Column("model_pk", BigId, nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("version_pk", BigId, nullable=False),
        sa.ForeignKeyConstraint(["model_pk"], ["registered_models.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_pk"], ["registry_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_pk", "alias"),
    )
    op.create_index("ix_registry_aliases_version", "registry_aliases", ["version_pk"])
    op.create_table(
        "audit_events",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("model_pk", BigId, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("details", Json, nullable=False),
        sa.ForeignKeyConstraint(["model_pk"], ["registered_models.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_audit_events_model", "audit_events", ["model_pk", "pk"])
    op.create_table(
        "automations",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("entity_pk", BigId, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("filter", Json, nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("secret_token", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["entity_pk"], ["entities.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("entity_pk", "name", name="uq_automations_entity_name"),
    )
    op.create_index("ix_automations_entity_event", "automations", ["entity_pk", "event"])
    op.create_table(
        "automation_deliveries",
        sa.Column("pk", BigId, autoincrement=True, nullable=False),
        sa.Column("automation_pk", BigId, nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=True),
        sa.Column("next_attempt_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["automation_pk"], ["automations.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index(
        "ix_automation_deliveries_due", "automation_deliveries", ["state", "next_attempt_at"]
    )
    op.create_index(
        "ix_automation_deliveries_automation", "automation_deliveries", ["automation_pk", "pk"]
    )


def downgrade() -> None:
    op.drop_table("automation_deliveries")
    op.drop_table("automations")
    op.drop_table("audit_events")
    op.drop_table("registry_aliases")
    op.drop_table("registry_versions")
    op.drop_table("registered_models")
