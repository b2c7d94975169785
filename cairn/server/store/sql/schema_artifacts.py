"""Artifact tables (design 0013): collections, versions, entries, aliases, links; blob
uploads and their uploaders (design 0013, "Blobs at scale"); W&B artifacts in flight (0016)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import BigInteger

from cairn.server.store.sql.schema_base import BigId, Json, code_point_string, metadata

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
    Column("path", code_point_string(1024), primary_key=True),
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
