"""The W&B artifact upload store on SQLite and PostgreSQL: pending uploads, their files, the
digest lookup behind W&B's dedup, blob MD5s, readable versions and dropping stale uploads."""

from __future__ import annotations

import os
import time

import pytest

from cairn.errors import NotFoundError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.wandb_artifacts import KnownBlob
from cairn.wire.records import artifact_record
from tests.contract.test_artifact_store import files, log, logged, project_pk, sha, stored
from tests.contract.test_metadata_store import batch, run_record, seed_run, user

DIGEST = "0123456789abcdef" * 2


def _run_pk(meta: MetadataStore) -> int:
    return meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "run00001", "viewer").pk


def test_an_upload_keeps_its_files_until_committed(meta: MetadataStore) -> None:
    seed_run(meta)
    spec = {"description": "d", "metadata": {"k": 1}, "aliases": ["best"], "ttl_s": None}
    pk = meta.begin_wandb_artifact(_run_pk(meta), "data", "dataset", DIGEST, spec, "client-1")
    upload = meta.wandb_artifact(pk)
    assert (upload.entity, upload.project, upload.run_id) == ("team", "proj", "run00001")
    assert (upload.name, upload.type, upload.spec, upload.committed) == (
        "data",
        "dataset",
        spec,
        False,
    )
    assert meta.wandb_artifact_by_client_id("client-1") == upload
    assert meta.wandb_artifact_by_client_id("nobody") is None

    meta.add_wandb_artifact_files(pk, [("m1", sha("a"), 1), ("m2", sha("b"), 1)])
    meta.add_wandb_artifact_files(pk, [("m1", sha("a"), 1)])  # again: one note
    assert meta.wandb_artifact_files(pk) == {
        "m1": KnownBlob(sha("a"), 1),
        "m2": KnownBlob(sha("b"), 1),
    }
    meta.set_wandb_manifest(pk, sha("manifest"))
    assert meta.wandb_artifact(pk).manifest_sha256 == sha("manifest")

    stored(meta, "a", "b")
    version = logged(log(meta, "data", files(x="a", y="b")))
    version_pk = meta.get_version(project_pk(meta), "data", version["version"]).pk
    assert meta.wandb_digest_version(project_pk(meta), "data", DIGEST) is None  # not committed
    meta.commit_wandb_artifact(pk, version_pk)
    done = meta.wandb_artifact(pk)
    assert (done.committed, done.version_pk) == (True, version_pk)
    assert meta.wandb_artifact_files(pk) == {}
    assert meta.wandb_digest_version(project_pk(meta), "data", DIGEST) == version_pk
    assert meta.wandb_digest_version(project_pk(meta), "other", DIGEST) is None
    assert meta.wandb_version_digest(version_pk) == DIGEST

    meta.delete_version(project_pk(meta), "data", "v0")
    gone = meta.wandb_artifact(pk)
    assert (gone.committed, gone.version_pk) == (True, None)
    assert meta.wandb_digest_version(project_pk(meta), "data", DIGEST) is None


def test_stale_uploads_are_dropped_committed_ones_kept(meta: MetadataStore) -> None:
    seed_run(meta)
    run_pk = _run_pk(meta)
    pending = meta.begin_wandb_artifact(run_pk, "data", "dataset", DIGEST, {}, None)
    kept = meta.begin_wandb_artifact(run_pk, "data", "dataset", DIGEST, {}, None)
    stored(meta, "a")
    version = logged(log(meta, "data", files(x="a")))
    meta.commit_wandb_artifact(
        kept, meta.get_version(project_pk(meta), "data", version["version"]).pk
    )
    assert meta.drop_stale_wandb_artifacts(time.time() - 60) == 0  # both are new
    assert meta.drop_stale_wandb_artifacts(time.time() + 1) == 1
    with pytest.raises(NotFoundError):
        meta.wandb_artifact(pending)
    assert meta.wandb_artifact(kept).committed


def test_blob_md5s_only_for_stored_blobs(meta: MetadataStore) -> None:
    stored(meta, "a")
    meta.remember_md5s([(sha("a"), "md5-a"), (sha("gone"), "md5-gone")])
    meta.remember_md5s([(sha("a"), "md5-a")])
    assert meta.md5s_of([sha("a"), sha("gone"), sha("never")]) == {
        sha("a"): "md5-a",
        sha("gone"): "md5-gone",
    }
    assert meta.blobs_with_md5(["md5-a", "md5-gone"]) == {"md5-a": [KnownBlob(sha("a"), 1)]}
    deleted: list[str] = []
    meta.collect_blobs(0.0, deleted.append, now=time.time() + 10)
    assert deleted == [sha("a")]
    assert meta.md5s_of([sha("a")]) == {}


def test_a_version_is_readable_only_where_its_project_is(meta: MetadataStore) -> None:
    ada, bob = user(meta, "ada"), user(meta, "bob")
    stored(meta, "a")
    record = artifact_record(os.urandom(16).hex(), "data", "dataset", files(x="a"), 1.0)
    result = meta.apply_batch(
        batch([run_record(), list(record)], entity="ada", stream=os.urandom(16)), ada
    )
    version = logged(result)
    ada_pk = meta.resolve_project(ada, "ada", "proj", "viewer").pk
    version_pk = meta.get_version(ada_pk, "data", version["version"]).pk
    assert meta.readable_version(ada, version_pk).path == "ada/proj/data:v0"
    with pytest.raises(NotFoundError):
        meta.readable_version(bob, version_pk)
    with pytest.raises(NotFoundError):
        meta.readable_version(ada, version_pk + 1000)
