"""SQLAlchemy Core tables: the one schema shared by SQLite and PostgreSQL.

Times are float seconds since the epoch (same type and ordering on both backends). Alembic
migrations under ``cairn/server/store/sql/migrations`` create and evolve these tables; this
module is their reference and must match the newest migration (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import BigInteger, TypeEngine

metadata = MetaData()

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid, so BigInteger keys use a variant.
BigId = BigInteger().with_variant(Integer(), "sqlite")

entities = Table(
    "entities",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),  # "user" | "team"
    Column("created_at", Float, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("entity_pk", ForeignKey("entities.pk", ondelete="CASCADE"), nullable=False, unique=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("email", String(320)),
    Column("password_hash", String(256)),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("disabled_at", Float),  # set while an admin has disabled the account
    # set by an admin's password reset: the user's sessions may only change the password
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("last_login_at", Float),
)

memberships = Table(
    "memberships",
    metadata,
    Column("entity_pk", ForeignKey("entities.pk", ondelete="CASCADE"), primary_key=True),
    Column("user_pk", ForeignKey("users.pk", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer | member | admin
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("user_pk", ForeignKey("users.pk", ondelete="CASCADE"), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_pk", ForeignKey("users.pk", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Failed sign-ins per account and per client address, in the database so that every server
# process sees the same counts (cairn.server.auth.throttle has the policy).
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("kind", String(8), primary_key=True),  # "account" | "address"
    Column("name", String(128), primary_key=True),  # username as typed, or client address
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", Float, nullable=False),
    Column("locked_until", Float),
    Index("ix_login_throttle_last_failure", "last_failure_at"),
)

projects = Table(
    "projects",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("entity_pk", ForeignKey("entities.pk", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("visibility", String(8), nullable=False, default="private"),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("archived_at", Float),  # hidden from default listings while set
    UniqueConstraint("entity_pk", "name", name="uq_projects_entity_name"),
)

# The project workspace the web app saves: panels, runs-table columns, colours (opaque JSON).
workspaces = Table(
    "workspaces",
    metadata,
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), primary_key=True),
    Column("layout", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("updated_by", String(128)),
)

user_workspaces = Table(
    "user_workspaces",
    metadata,
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), primary_key=True),
    Column("user_pk", ForeignKey("users.pk", ondelete="CASCADE"), primary_key=True),
    Column("layout", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

views = Table(
    "views",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), nullable=False),
    Column("id", String(16), nullable=False),  # in links: /<entity>/<project>?view=<id>
    Column("name", String(128), nullable=False),
    Column("layout", Text, nullable=False),
    Column("created_by", String(128)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("project_pk", "id", name="uq_views_project_id"),
    UniqueConstraint("project_pk", "name", name="uq_views_project_name"),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), primary_key=True),
    Column("user_pk", ForeignKey("users.pk", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
)

# Sweeps (design 0012): the config as given (validated), its strategy's seed and its state.
sweeps = Table(
    "sweeps",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), nullable=False),
    Column("id", String(8), nullable=False),  # 8 base-36 characters, path entity/project/id
    Column("name", String(256), nullable=False),
    Column("state", String(16), nullable=False),  # pending|running|paused|finished|cancelled
    Column("config", Json, nullable=False),
    Column("method", String(16), nullable=False),
    Column("metric_name", String(256)),
    Column("metric_goal", String(8)),
    Column("seed", BigInteger, nullable=False),
    # Set once the sweep hands out nothing more (exhausted, run_cap, stop, cancel); it becomes
    # finished when its last running trial ends.
    Column("closed_at", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("created_by", String(128)),
    UniqueConstraint("project_pk", "id", name="uq_sweeps_project_id"),
    Index("ix_sweeps_project_created", "project_pk", "created_at"),
)

runs = Table(
    "runs",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False),
    Column("name", String(256), nullable=False),
    Column("state", String(16), nullable=False),
    Column("config", Json, nullable=False),
    Column("summary", Json, nullable=False),
    Column("tags", Json, nullable=False),
    Column("group", String(256)),
    Column("job_type", String(256)),
    Column("notes", Text, nullable=False, default=""),
    Column("host", String(256)),
    Column("git", Json),
    Column("meta", Json),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("exit_code", Integer),
    Column("last_step", BigInteger),
    Column("console_lines", BigInteger, nullable=False, default=0),
    Column("archived_at", Float),  # hidden from default listings while set
    # The sweep that handed this run out as a trial (design 0012); its config holds the params.
    Column("sweep_pk", ForeignKey("sweeps.pk", ondelete="SET NULL"), index=True),
    UniqueConstraint("project_pk", "id", name="uq_runs_project_id"),
    Index("ix_runs_project_created", "project_pk", "created_at"),
    Index("ix_runs_project_pk", "project_pk", "pk"),  # runs query: runs missing the sort key
    Index("ix_runs_state_heartbeat", "state", "heartbeat_at"),
)

VTYPE_NUMBER = 0
VTYPE_TEXT = 1
VTYPE_BOOL = 2
VTYPE_OTHER = 3  # null, lists, maps: present (for $exists) but neither number nor text


def _code_point_string(length: int) -> TypeEngine[str]:
    """A string ordered by code point on SQLite and PostgreSQL alike (PostgreSQL collation "C")."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


run_kv = Table(
    "run_kv",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    # "config.lr", "summary.acc", "tags:<tag>"; byte order ("C") on both backends, see kv.py
    Column("key", _code_point_string(300), primary_key=True),
    Column("project_pk", BigId, nullable=False),
    Column("vtype", SmallInteger, nullable=False),
    Column("num", Float),  # numbers; bools as 0/1 with VTYPE_BOOL
    Column("text", _code_point_string(512)),
    # vtype sits before num so numbers and bools are separate ordered ranges (runs query sort).
    Index("ix_run_kv_num", "project_pk", "key", "vtype", "num", "run_pk"),
    Index("ix_run_kv_text", "project_pk", "key", "text", "run_pk"),
)

# PostgreSQL would otherwise multiply the selectivities of `key = 'config.optimizer'` and
# `text = 'adam'` as if independent (a 40x underestimate) and sort whole result sets.
event.listen(
    run_kv,
    "after_create",
    DDL(  # type: ignore[no-untyped-call]
        "CREATE STATISTICS st_run_kv_key_text (dependencies, mcv) ON key, text FROM run_kv"
    ).execute_if(dialect="postgresql"),
)

stream_offsets = Table(
    "stream_offsets",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("stream", LargeBinary(16), primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Added to every step the stream sends: set once, by a resumed run record with
    # relative_steps (design 0014); NULL for a stream that sends steps as they are.
    Column("step_shift", BigInteger),
)

series = Table(
    "series",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("key", String(256), nullable=False),
    Column("kind", SmallInteger, nullable=False),  # 0 history (x = step), 1 system (x = time)
    Column("points", BigInteger, nullable=False),
    Column("tail_points", Integer, nullable=False),
    Column("next_seq", Integer, nullable=False),
    Column("step_min", BigInteger),
    Column("step_max", BigInteger),
    Column("last_value", Float),
    UniqueConstraint("run_pk", "key", name="uq_series_run_key"),
)

series_chunks = Table(
    "series_chunks",
    metadata,
    Column("series_pk", ForeignKey("series.pk", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("sealed", Boolean, nullable=False),
    Column("codec", SmallInteger, nullable=False),
    Column("points", Integer, nullable=False),
    Column("step_min", BigInteger, nullable=False),
    Column("step_max", BigInteger, nullable=False),
    Column("time_min", Float, nullable=False),
    Column("time_max", Float, nullable=False),
    Column("vmin", Float),
    Column("vmax", Float),
    Column("vsum", Float, nullable=False),
    Column("vsumsq", Float, nullable=False),
    Column("vlast", Float),
    Column("nan_count", Integer, nullable=False),
    Column("posinf_count", Integer, nullable=False),
    Column("neginf_count", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("blocks", LargeBinary),
)

# Chunk data is zstd-compressed (or a small raw tail): PostgreSQL's own TOAST compression
# would spend CPU on every insert for nothing.
event.listen(
    series_chunks,
    "after_create",
    DDL(  # type: ignore[no-untyped-call]
        "ALTER TABLE series_chunks ALTER COLUMN data SET STORAGE EXTERNAL, "
        "ALTER COLUMN blocks SET STORAGE EXTERNAL"
    ).execute_if(dialect="postgresql"),
)

run_values = Table(
    "run_values",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("key", String(256), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("time", Float, nullable=False),
    Column("value", Json),
    Column("media_type", String(32)),  # the value's `_type` when it is a media reference
    Index("ix_run_values_run_key_step", "run_pk", "key", "step"),
)

# Media keys of a run (values whose JSON has a `_type`), kept up to date as values arrive, so
# key lists and panels find media without scanning values (design 0010).
run_media_keys = Table(
    "run_media_keys",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("project_pk", BigId, nullable=False),
    Column("media_type", String(32), nullable=False),  # the latest value's `_type`
    Column("count", BigInteger, nullable=False),
    Column("step_min", BigInteger, nullable=False),
    Column("step_max", BigInteger, nullable=False),
    Index("ix_run_media_keys_project_key", "project_pk", "key"),
)

# Keys of a run's plain (non-media) values, kept up to date as values arrive like
# run_media_keys, so the run page lists logged strings and JSON values without scanning them.
run_value_keys = Table(
    "run_value_keys",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("value_type", String(16), nullable=False),  # the latest value's JSON type
    Column("count", BigInteger, nullable=False),
    Column("step_min", BigInteger, nullable=False),
    Column("step_max", BigInteger, nullable=False),
)

# Alerts a run raised (``run.alert``), in arrival order.
run_alerts = Table(
    "run_alerts",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("time", Float, nullable=False),
    Column("title", String(256), nullable=False),
    Column("text", Text, nullable=False),
    Column("level", String(8), nullable=False),  # INFO | WARN | ERROR
    Column("wait_s", Float),
    Index("ix_run_alerts_run_pk", "run_pk", "pk"),
)

console_chunks = Table(
    "console_chunks",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("first_line", BigInteger, primary_key=True),
    Column("n_lines", Integer, nullable=False),
    Column("stream", String(8), nullable=False),
    Column("time", Float, nullable=False),
    Column("lines", Json, nullable=False),
)

run_files = Table(
    "run_files",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_run_files_sha256", "sha256"),  # garbage collection: is a blob still referenced?
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    # Last upload or existence check: collection waits a grace period after it (design 0007).
    Column("touched_at", Float, nullable=False),
    Index("ix_blobs_touched", "touched_at"),
)

# Artifacts (design 0013): collections of immutable versions, each a manifest of entries.
artifact_collections = Table(
    "artifact_collections",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("description", Text),
    # vN of the next version: never reused after a delete (W&B does the same).
    Column("next_index", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("project_pk", "name", name="uq_artifact_collections_project_name"),
    Index("ix_artifact_collections_project_type", "project_pk", "type"),
)

artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column(
        "collection_pk", ForeignKey("artifact_collections.pk", ondelete="CASCADE"), nullable=False
    ),
    Column("version_index", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("description", Text),
    Column("metadata", Json, nullable=False),
    Column("file_count", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),  # sum of the entries' sizes
    Column("created_by_run_pk", ForeignKey("runs.pk", ondelete="SET NULL")),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),  # TTL: housekeeping deletes the version after it
    UniqueConstraint("collection_pk", "version_index", name="uq_artifact_versions_index"),
    UniqueConstraint("collection_pk", "digest", name="uq_artifact_versions_digest"),
    Index("ix_artifact_versions_expires", "expires_at"),
    Index("ix_artifact_versions_run", "created_by_run_pk"),
)

artifact_entries = Table(
    "artifact_entries",
    metadata,
    Column("version_pk", ForeignKey("artifact_versions.pk", ondelete="CASCADE"), primary_key=True),
    # byte order on both backends: files are paged by path
    Column("path", _code_point_string(1024), primary_key=True),
    Column("sha256", String(64)),  # a stored file's blob; None for a reference
    Column("size", BigInteger),
    Column("md5", String(64)),
    Column("ref", Text),
    Column("checksum", Text),
    Column("extra", Json),
    Index("ix_artifact_entries_sha256", "sha256"),  # garbage collection's reference check
)

artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column(
        "collection_pk", ForeignKey("artifact_collections.pk", ondelete="CASCADE"), primary_key=True
    ),
    Column("alias", String(128), primary_key=True),
    Column("version_pk", ForeignKey("artifact_versions.pk", ondelete="CASCADE"), nullable=False),
    Index("ix_artifact_aliases_version", "version_pk"),
)

# Lineage: "out" = the run logged the version, "in" = the run used it.
artifact_links = Table(
    "artifact_links",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    Column("version_pk", ForeignKey("artifact_versions.pk", ondelete="CASCADE"), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("at", Float, nullable=False),
    Index("ix_artifact_links_version", "version_pk", "direction"),
)

# Client ids of applied artifact records: a record applied twice changes nothing the 2nd time.
artifact_log_ids = Table(
    "artifact_log_ids",
    metadata,
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("version_pk", ForeignKey("artifact_versions.pk", ondelete="CASCADE"), nullable=False),
    Index("ix_artifact_log_ids_version", "version_pk"),
)

# Who uploaded a blob and when: a caller may skip re-sending bytes it sent itself within the
# collection grace period, even before anything references them (design 0013, "Blobs at scale").
blob_uploaders = Table(
    "blob_uploaders",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("uploader", BigInteger, primary_key=True),  # the user's pk; 0 = an open server's user
    Column("uploaded_at", Float, nullable=False),
    Index("ix_blob_uploaders_uploaded", "uploaded_at"),
)

# Resumable multipart uploads: one per (uploader, sha256), staged in the blob store until
# completed or expired (design 0013).
blob_uploads = Table(
    "blob_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("uploader", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("part_size", BigInteger, nullable=False),
    Column("project", String(257), nullable=False),
    Column("handle", String(1024)),  # the store's own id of the staging (S3: the UploadId)
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    UniqueConstraint("uploader", "sha256", name="uq_blob_uploads_uploader_sha256"),
    Index("ix_blob_uploads_expires", "expires_at"),
)

# The W&B surface's artifact uploads (design 0016): a version the W&B client is building, under
# the id handed to it, until CommitArtifact applies it as an ``artifact`` record; afterwards the
# row maps that id to the version (the version itself lives only in the artifact tables).
wandb_artifacts = Table(
    "wandb_artifacts",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("project_pk", ForeignKey("projects.pk", ondelete="CASCADE"), nullable=False),
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("wandb_digest", String(64), nullable=False),  # W&B's manifest digest, as sent
    Column("spec", Json, nullable=False),  # description, metadata, aliases, ttl_s
    Column("client_id", String(128)),
    Column("manifest_sha256", String(64)),  # the uploaded wandb_manifest.json (a blob)
    Column("version_pk", ForeignKey("artifact_versions.pk", ondelete="SET NULL")),
    Column("committed_at", Float),
    Column("created_at", Float, nullable=False),
    Index("ix_wandb_artifacts_digest", "project_pk", "name", "wandb_digest"),
    Index("ix_wandb_artifacts_client", "client_id"),
    Index("ix_wandb_artifacts_version", "version_pk"),
    Index("ix_wandb_artifacts_created", "created_at"),
)

# The files a pending W&B artifact has on the server, by the base64 MD5 its manifest names.
wandb_artifact_files = Table(
    "wandb_artifact_files",
    metadata,
    Column("artifact_pk", ForeignKey("wandb_artifacts.pk", ondelete="CASCADE"), primary_key=True),
    Column("md5", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)

# The base64 MD5 of a blob, computed by the server from its bytes (W&B names content by MD5).
blob_md5s = Table(
    "blob_md5s",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("md5", String(32), nullable=False),
    Index("ix_blob_md5s_md5", "md5"),
)

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

rejected_records = Table(
    "rejected_records",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("kind", String(32)),
    Column("error", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("lease_until", Float, nullable=False),
)
