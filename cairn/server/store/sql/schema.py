"""SQLAlchemy Core tables: the one schema shared by SQLite and PostgreSQL.

Times are float seconds since the epoch (same type and ordering on both backends). Alembic
migrations under ``cairn/server/store/sql/migrations`` create and evolve these tables; this
module is their reference and must match the newest migration (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.types import BigInteger

from cairn.server.store.sql.schema_base import BigId, Json, code_point_string, metadata

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


run_kv = Table(
    "run_kv",
    metadata,
    Column("run_pk", ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    # "config.lr", "summary.acc", "tags:<tag>"; byte order ("C") on both backends, see kv.py
    Column("key", code_point_string(300), primary_key=True),
    Column("project_pk", BigId, nullable=False),
    Column("vtype", SmallInteger, nullable=False),
    Column("num", Float),  # numbers; bools as 0/1 with VTYPE_BOOL
    Column("text", code_point_string(512)),
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

# The tables of the other parts, importable from here as before (one schema, one MetaData).
from cairn.server.store.sql.schema_artifacts import (  # noqa: E402
    artifact_aliases,
    artifact_collections,
    artifact_entries,
    artifact_links,
    artifact_log_ids,
    artifact_versions,
    blob_md5s,
    blob_uploaders,
    blob_uploads,
    wandb_artifact_files,
    wandb_artifacts,
)
from cairn.server.store.sql.schema_registry import (  # noqa: E402
    audit_events,
    automation_deliveries,
    automations,
    registered_models,
    registry_aliases,
    registry_versions,
)

__all__ = [
    "BigId",
    "Json",
    "api_keys",
    "artifact_aliases",
    "artifact_collections",
    "artifact_entries",
    "artifact_links",
    "artifact_log_ids",
    "artifact_versions",
    "audit_events",
    "automation_deliveries",
    "automations",
    "blob_md5s",
    "blob_uploaders",
    "blob_uploads",
    "blobs",
    "console_chunks",
    "entities",
    "leases",
    "login_throttle",
    "memberships",
    "metadata",
    "project_members",
    "projects",
    "registered_models",
    "registry_aliases",
    "registry_versions",
    "rejected_records",
    "run_alerts",
    "run_files",
    "run_kv",
    "run_media_keys",
    "run_value_keys",
    "run_values",
    "runs",
    "series",
    "series_chunks",
    "sessions",
    "stream_offsets",
    "sweeps",
    "user_workspaces",
    "users",
    "views",
    "wandb_artifact_files",
    "wandb_artifacts",
    "workspaces",
]
