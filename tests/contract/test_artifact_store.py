"""The artifact store on SQLite and PostgreSQL: versions, dedup by digest, aliases, idempotent
apply, deletes and garbage collection's references, TTL expiry, lineage."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from cairn.errors import ConflictError, InvalidInputError, NotFoundError
from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.records import IngestResult
from cairn.wire.records import artifact_record
from tests.contract.test_metadata_store import batch, seed_run, user


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stored(meta: MetadataStore, *contents: str) -> None:
    """Blob rows for ``contents`` (as an upload leaves them)."""
    for text in contents:
        assert meta.touch_blob(sha(text), len(text), lambda: True)


def files(**paths: str) -> list[dict[str, Any]]:
    return [
        {"path": p.replace("__", "/"), "sha256": sha(t), "size": len(t)} for p, t in paths.items()
    ]


def log(
    meta: MetadataStore,
    name: str,
    entries: list[dict[str, Any]],
    *,
    run_id: str = "run00001",
    type_: str = "dataset",
    record_id: str | None = None,
    **fields: Any,
) -> IngestResult:
    record = artifact_record(
        record_id or os.urandom(16).hex(), name, type_, entries, 1000.0, **fields
    )
    return meta.apply_batch(
        batch([list(record)], run_id=run_id, stream=os.urandom(16)), OPEN_PRINCIPAL
    )


def logged(result: IngestResult) -> dict[str, str]:
    assert result.rejected == [], result.rejected
    assert len(result.artifacts) == 1
    return result.artifacts[0]


def project_pk(meta: MetadataStore) -> int:
    return meta.resolve_project(OPEN_PRINCIPAL, "team", "proj", "viewer").pk


def test_versions_dedup_by_digest_and_latest(meta: MetadataStore) -> None:
    stored(meta, "a", "b", "c")
    first = logged(
        log(meta, "data", files(x="a", y__z="b"), description="first", metadata={"n": 1})
    )
    assert first["version"] == "v0"
    # the same manifest in another order: the same digest, no new version
    again = logged(log(meta, "data", list(reversed(files(x="a", y__z="b"))), metadata={"n": 2}))
    assert (again["version"], again["digest"]) == ("v0", first["digest"])
    second = logged(log(meta, "data", files(x="a", y__z="c")))
    assert second["version"] == "v1"
    pk = project_pk(meta)
    v0 = meta.get_version(pk, "data", "v0")
    assert (v0.description, v0.metadata, v0.file_count, v0.size) == ("first", {"n": 1}, 2, 2)
    assert v0.path == "team/proj/data:v0"
    assert v0.logged_by is not None
    assert v0.logged_by.path == "team/proj/run00001"
    assert meta.get_version(pk, "data", "latest").version == "v1"
    assert meta.get_version(pk, "data", first["digest"]).version == "v0"
    assert [v.version for v in meta.list_versions(pk, "data", None, 10)] == ["v1", "v0"]
    assert [v.version for v in meta.list_versions(pk, "data", "v1", 10)] == ["v0"]
    collection = meta.get_artifact(pk, "data")
    assert (collection.type, collection.versions) == ("dataset", 2)
    assert collection.latest is not None
    assert collection.latest.version == "v1"
    assert [e.path for e in meta.list_entries(v0.pk)] == ["x", "y/z"]
    assert [e.path for e in meta.list_entries(v0.pk, prefix="y/")] == ["y/z"]
    assert [e.path for e in meta.list_entries(v0.pk, after="x", limit=5)] == ["y/z"]
    entry = meta.get_entry(v0.pk, "y/z")
    assert entry is not None
    assert entry.sha256 == sha("b")
    assert meta.get_entry(v0.pk, "nope") is None
    with pytest.raises(NotFoundError, match="v7"):
        meta.get_version(pk, "data", "v7")
    with pytest.raises(NotFoundError, match="nothing"):
        meta.get_artifact(pk, "nothing")


def test_refused_records_leave_nothing(meta: MetadataStore) -> None:
    stored(meta, "a")
    missing = log(meta, "data", files(x="a", y="never uploaded"))
    assert missing.artifacts == []
    assert "'y'" in missing.rejected[0]["error"]
    assert sha("never uploaded") in missing.rejected[0]["error"]
    pk = project_pk(meta)
    assert meta.list_artifacts(pk) == []
    logged(log(meta, "data", files(x="a")))
    other_type = log(meta, "data", files(x="a"), type_="model")
    assert "type 'dataset'" in other_type.rejected[0]["error"]
    bad_metadata = log(meta, "data2", files(x="a"), metadata={"raw": b"\x00"})
    assert "JSON values" in bad_metadata.rejected[0]["error"]
    assert [c.name for c in meta.list_artifacts(pk)] == ["data"]
    # a record whose digest was not computed from its entries is refused by validation
    record = artifact_record(os.urandom(16).hex(), "data", "dataset", files(x="a"), 1.0)
    record[1]["digest"] = "0" * 64
    result = meta.apply_batch(batch([list(record)], stream=os.urandom(16)), OPEN_PRINCIPAL)
    assert "not the digest" in result.rejected[0]["error"]


def test_references_need_no_blob(meta: MetadataStore) -> None:
    entries = [{"path": "remote/a.csv", "ref": "s3://bucket/a.csv", "checksum": "etag1", "size": 9}]
    first = logged(log(meta, "refs", entries))
    pk = project_pk(meta)
    entry = meta.get_entry(meta.get_version(pk, "refs", "v0").pk, "remote/a.csv")
    assert entry is not None
    assert (entry.sha256, entry.ref, entry.checksum, entry.size) == (
        None,
        "s3://bucket/a.csv",
        "etag1",
        9,
    )
    changed = [{**entries[0], "checksum": "etag2"}]
    assert logged(log(meta, "refs", changed))["digest"] != first["digest"]


def test_aliases_move_atomically_and_reserved_ones_are_refused(meta: MetadataStore) -> None:
    stored(meta, "a", "b")
    logged(log(meta, "model", files(w="a"), type_="model", aliases=["best", "latest"]))
    logged(log(meta, "model", files(w="b"), type_="model"))
    pk = project_pk(meta)
    assert meta.get_version(pk, "model", "best").version == "v0"
    assert meta.get_version(pk, "model", "v0").aliases == ["best"]
    assert meta.get_version(pk, "model", "v1").aliases == ["latest"]
    moved = meta.set_alias(pk, "model", "best", "v1")
    assert moved.aliases == ["best", "latest"]
    assert meta.get_version(pk, "model", "v0").aliases == []
    # logging an unchanged manifest again moves its record's aliases to the matched version
    logged(log(meta, "model", files(w="a"), type_="model", aliases=["prod"]))
    assert meta.get_version(pk, "model", "prod").version == "v0"
    assert meta.get_version(pk, "model", "latest").version == "v1"
    for reserved in ("latest", "v3", "a/b", ".."):
        with pytest.raises(InvalidInputError):
            meta.set_alias(pk, "model", reserved, "v0")
    with pytest.raises(InvalidInputError, match="managed by the server"):
        meta.delete_alias(pk, "model", "latest")
    meta.delete_alias(pk, "model", "prod")
    with pytest.raises(NotFoundError, match="prod"):
        meta.delete_alias(pk, "model", "prod")
    with pytest.raises(NotFoundError):
        meta.set_alias(pk, "model", "best", "v9")


def test_applying_a_record_twice_changes_nothing(meta: MetadataStore) -> None:
    stored(meta, "a", "b")
    record_id = os.urandom(16).hex()
    first = logged(log(meta, "data", files(x="a"), record_id=record_id, aliases=["keep"]))
    logged(log(meta, "data", files(x="b")))
    pk = project_pk(meta)
    meta.set_alias(pk, "data", "keep", "v1")
    # the same record again (another stream, say a re-synced log): same answer, no alias moves
    again = logged(log(meta, "data", files(x="a"), record_id=record_id, aliases=["keep"]))
    assert again == first
    assert meta.get_version(pk, "data", "keep").version == "v1"
    assert meta.get_artifact(pk, "data").versions == 2


def test_edits_deletes_and_garbage_collection_references(meta: MetadataStore) -> None:
    stored(meta, "a", "b", "c")
    logged(log(meta, "data", files(x="a")))
    logged(log(meta, "data", files(x="b"), aliases=["best"]))
    logged(log(meta, "data", files(x="c")))
    pk = project_pk(meta)
    edited = meta.update_version(pk, "data", "v1", {"description": "d", "metadata": {"k": [1]}})
    assert (edited.description, edited.metadata) == ("d", {"k": [1]})
    assert meta.update_artifact(pk, "data", "all of it").description == "all of it"
    with pytest.raises(ConflictError, match="best"):
        meta.delete_version(pk, "data", "v1")
    meta.delete_version(pk, "data", "v1", delete_aliases=True)
    with pytest.raises(NotFoundError):
        meta.get_version(pk, "data", "best")
    meta.delete_version(pk, "data", "latest")  # v2: latest moves back to v0
    assert meta.get_version(pk, "data", "latest").version == "v0"
    stored(meta, "d")
    # numbers are never given again after a delete
    assert logged(log(meta, "data", files(x="d")))["version"] == "v3"
    # blobs of deleted versions are collected after the grace period; those still used are not
    deleted: list[str] = []
    meta.collect_blobs(0.0, deleted.append, now=10**10)
    assert sorted(deleted) == sorted([sha("b"), sha("c")])
    meta.delete_artifact(pk, "data")
    assert meta.list_artifacts(pk) == []
    meta.collect_blobs(0.0, deleted.append, now=10**10)
    assert sorted(deleted) == sorted([sha("a"), sha("b"), sha("c"), sha("d")])


def test_ttl_expiry(meta: MetadataStore) -> None:
    stored(meta, "a", "b")
    logged(log(meta, "data", files(x="a"), ttl_s=60.0, aliases=["old"]))
    logged(log(meta, "data", files(x="b")))
    pk = project_pk(meta)
    v0 = meta.get_version(pk, "data", "v0")
    assert v0.expires_at == pytest.approx(v0.created_at + 60.0)
    assert meta.expire_artifacts(now=v0.created_at + 30) == 0
    kept = meta.update_version(pk, "data", "v1", {"ttl_s": 10.0})
    assert kept.expires_at == pytest.approx(kept.created_at + 10.0)
    assert meta.update_version(pk, "data", "v1", {"ttl_s": None}).expires_at is None
    assert meta.expire_artifacts(now=v0.created_at + 61) == 1
    assert [v.version for v in meta.list_versions(pk, "data", None, 10)] == ["v1"]
    with pytest.raises(NotFoundError):
        meta.get_version(pk, "data", "old")
    with pytest.raises(InvalidInputError):
        meta.update_version(pk, "data", "v1", {"ttl_s": -1.0})


def test_lineage_and_run_artifacts(meta: MetadataStore) -> None:
    stored(meta, "raw", "clean", "weights")
    logged(log(meta, "raw", files(f="raw"), run_id="ingest01"))
    seed_run(meta, "prep0001")
    pk = project_pk(meta)
    raw = meta.get_version(pk, "raw", "v0")
    prep = meta.resolve_run(OPEN_PRINCIPAL, "team", "proj", "prep0001", "viewer")
    meta.use_version(OPEN_PRINCIPAL, raw.pk, "team", "proj", "prep0001")
    meta.use_version(OPEN_PRINCIPAL, raw.pk, "team", "proj", "prep0001")  # idempotent
    logged(log(meta, "clean", files(f="clean"), run_id="prep0001"))
    clean = meta.get_version(pk, "clean", "v0")
    # a run may use a version before its first batch arrives: it is created, as ingest would
    meta.use_version(OPEN_PRINCIPAL, clean.pk, "team", "proj", "train001")
    logged(log(meta, "model", files(w="weights"), run_id="train001", type_="model"))

    graph = meta.version_lineage(OPEN_PRINCIPAL, clean.pk, 1)
    assert {n["id"] for n in graph.nodes} == {
        "artifact:team/proj/clean:v0",
        "run:team/proj/prep0001",
        "run:team/proj/train001",
    }
    assert set(graph.edges) == {
        ("run:team/proj/prep0001", "artifact:team/proj/clean:v0"),
        ("artifact:team/proj/clean:v0", "run:team/proj/train001"),
    }
    wide = meta.version_lineage(OPEN_PRINCIPAL, clean.pk, 2)
    assert {n["id"] for n in wide.nodes} >= {
        "artifact:team/proj/raw:v0",
        "artifact:team/proj/model:v0",
    }
    assert ("artifact:team/proj/raw:v0", "run:team/proj/prep0001") in wide.edges
    assert not wide.truncated
    logged_by, used = meta.run_artifacts(OPEN_PRINCIPAL, prep.pk)
    assert ([v.path for v in logged_by], [v.path for v in used]) == (
        ["team/proj/clean:v0"],
        ["team/proj/raw:v0"],
    )
    # a stranger sees none of a private project's graph
    stranger = user(meta, "stranger")
    assert meta.run_artifacts(stranger, prep.pk) == ([], [])
    assert meta.version_lineage(stranger, clean.pk, 2).edges == []
    # deleting a run drops its links; the versions it logged stay, logged by nobody
    with pytest.raises(NotFoundError):  # a project they cannot see does not exist for them
        meta.use_version(stranger, clean.pk, "team", "proj", "prep0001")
    with pytest.raises(InvalidInputError):
        meta.use_version(OPEN_PRINCIPAL, clean.pk, "team", "proj", "../x")
    meta.delete_run(prep.pk)
    assert meta.get_version(pk, "clean", "v0").logged_by is None
    assert meta.version_lineage(OPEN_PRINCIPAL, clean.pk, 1).edges == [
        ("artifact:team/proj/clean:v0", "run:team/proj/train001")
    ]


def test_listing_types_search_and_paging(meta: MetadataStore) -> None:
    stored(meta, "a")
    for name, type_ in (("beta", "dataset"), ("alpha", "dataset"), ("net_1", "model")):
        logged(log(meta, name, files(x="a"), type_=type_))
    pk = project_pk(meta)
    assert meta.artifact_types(pk) == [("dataset", 2), ("model", 1)]
    assert [c.name for c in meta.list_artifacts(pk)] == ["alpha", "beta", "net_1"]
    assert [c.name for c in meta.list_artifacts(pk, type_="model")] == ["net_1"]
    assert [c.name for c in meta.list_artifacts(pk, search="ET")] == ["beta", "net_1"]
    assert [c.name for c in meta.list_artifacts(pk, search="_")] == ["net_1"]
    assert [c.name for c in meta.list_artifacts(pk, after="alpha", limit=1)] == ["beta"]


def test_diff(meta: MetadataStore) -> None:
    stored(meta, "a", "b", "c", "d")
    logged(log(meta, "data", files(keep="a", change="b", drop="c")))
    logged(log(meta, "data", files(keep="a", change="c", add="d")))
    pk = project_pk(meta)
    v0, v1 = meta.get_version(pk, "data", "v0"), meta.get_version(pk, "data", "v1")
    diff = meta.diff_versions(v0.pk, v1.pk)
    assert [e.path for e in diff.added] == ["add"]
    assert [e.path for e in diff.removed] == ["drop"]
    assert [(b.sha256, a.sha256) for b, a in diff.changed] == [(sha("b"), sha("c"))]


def test_deleting_the_project_deletes_its_artifacts(meta: MetadataStore) -> None:
    stored(meta, "a")
    logged(log(meta, "data", files(x="a"), aliases=["best"]))
    pk = project_pk(meta)
    meta.use_version(OPEN_PRINCIPAL, meta.get_version(pk, "data", "v0").pk, "team", "proj", "r2")
    meta.delete_project(pk)
    deleted: list[str] = []
    meta.collect_blobs(0.0, deleted.append, now=10**10)
    assert deleted == [sha("a")]
    # the same name in a project of the same name starts again from v0
    stored(meta, "a")
    assert logged(log(meta, "data", files(x="a")))["version"] == "v0"
