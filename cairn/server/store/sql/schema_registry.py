"""Model registry and automation tables (design 0013): registered models, their versions
and aliases, the audit log, automations and their deliveries."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import BigInteger

from cairn.server.store.sql.schema_base import BigId, Json, metadata

# Model registry (design 0013): models per entity whose versions link artifact versions.
registered_models = Table(
    "registered_models",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("entity_pk", ForeignKey("entities.pk", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text),
    Column("tags", Json, nullable=False),
    # vN of the next registry version: never reused after an unlink
    Column("next_index", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(128)),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("entity_pk", "name", name="uq_registered_models_entity_name"),
)

registry_versions = Table(
    "registry_versions",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("model_pk", ForeignKey("registered_models.pk", ondelete="CASCADE"), nullable=False),
    Column("version_index", BigInteger, nullable=False),
    # the linked artifact version; None once that version was deleted (the link stays listed)
    Column("artifact_version_pk", ForeignKey("artifact_versions.pk", ondelete="SET NULL")),
    Column("source_path", String(512), nullable=False),  # e/p/name:vN when linked
    Column("digest", String(64), nullable=False),
    Column("linked_by", String(128)),
    Column("linked_at", Float, nullable=False),
    UniqueConstraint("model_pk", "version_index", name="uq_registry_versions_index"),
    UniqueConstraint("model_pk", "artifact_version_pk", name="uq_registry_versions_source"),
    Index("ix_registry_versions_source", "artifact_version_pk"),
)

registry_aliases = Table(
    "registry_aliases",
    metadata,
    Column("model_pk", ForeignKey("registered_models.pk", ondelete="CASCADE"), primary_key=True),
    Column("alias", String(128), primary_key=True),
    Column("version_pk", ForeignKey("registry_versions.pk", ondelete="CASCADE"), nullable=False),
    Index("ix_registry_aliases_version", "version_pk"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("model_pk", ForeignKey("registered_models.pk", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("actor", String(128)),
    # created | linked | alias_moved | alias_removed | edited | unlinked
    Column("action", String(16), nullable=False),
    Column("details", Json, nullable=False),
    Index("ix_audit_events_model", "model_pk", "pk"),
)

# Automations (design 0013): an entity's event rules that call a webhook or Slack.
automations = Table(
    "automations",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("entity_pk", ForeignKey("entities.pk", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("event", String(32), nullable=False),
    Column("filter", Json, nullable=False),
    Column("action", String(16), nullable=False),  # webhook | slack
    Column("url", Text),  # the webhook's URL (a Slack URL is a secret: in secret_token)
    # Fernet token (server key) of the webhook's HMAC secret or of the Slack URL
    Column("secret_token", Text),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(128)),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("entity_pk", "name", name="uq_automations_entity_name"),
    Index("ix_automations_entity_event", "entity_pk", "event"),
)

# One row per delivery attempt: a failed attempt with retries left adds the next one (pending).
automation_deliveries = Table(
    "automation_deliveries",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("automation_pk", ForeignKey("automations.pk", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", Json, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # pending | delivered | failed
    Column("status_code", Integer),
    Column("response", Text),  # the first 2 KB of the answer, as text
    Column("error", Text),
    Column("created_at", Float, nullable=False),
    Column("at", Float),  # when this attempt was made
    Column("next_attempt_at", Float),  # pending: when due; failed: the retry's time (None: none)
    Index("ix_automation_deliveries_due", "state", "next_attempt_at"),
    Index("ix_automation_deliveries_automation", "automation_pk", "pk"),
)
