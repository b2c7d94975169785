"""Artifacts over HTTP against a real server (SQLite and PostgreSQL): versions logged by real wire
v2 batches after their blobs were uploaded, every route, bad input, roles and TTL expiry."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn.wire import CONTENT_TYPE, encode_batch, encode_records
from cairn.wire.records import artifact_record
from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

PROJECT = "/api/v1/projects/team/proj"
ART = "/api/v1/artifacts/team/proj"


@pytest.fixture
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        yield c


def upload(client: httpx.Client, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    response = client.put(f"/api/v1/blobs/{sha}", content=content)
    assert response.status_code == 200, response.text
    return sha


def entries_of(client: httpx.Client, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """Manifest entries of ``files`` after uploading their blobs."""
    return [
        {"path": path, "sha256": upload(client, content), "size": len(content)}
        for path, content in files.items()
    ]


def log_artifact(
    client: httpx.Client,
    name: str,
    entries: list[dict[str, Any]],
    *,
    run_id: str = "run00001",
    type_: str = "dataset",
    entity: str = "team",
    **fields: Any,
) -> dict[str, Any]:
    """POST a v2 batch holding one artifact record; the ingest answer."""
    record = artifact_record(os.urandom(16).hex(), name, type_, entries, time.time(), **fields)
    response = post_batch(client, [list(record)], 0, new_stream(), run_id=run_id, entity=entity)
    assert response.status_code == 200, response.text
    return dict(response.json())


def version_of(answer: dict[str, Any]) -> str:
    assert answer["rejected"] == [], answer["rejected"]
    [applied] = answer["artifacts"]
    return str(applied["version"])


def test_log_read_list_and_download(client: httpx.Client) -> None:
    files = {"train.csv": b"a,b\n1,2\n", "images/0.png": b"\x89PNG fake", "images/1.png": b"x"}
    answer = log_artifact(client, "mnist", entries_of(client, files), description="digits")
    [applied] = answer["artifacts"]
    assert applied["name"] == "mnist"
    assert applied["version"] == "v0"
    assert len(applied["digest"]) == 64
    # the same files again make no new version; other files do
    assert version_of(log_artifact(client, "mnist", entries_of(client, files))) == "v0"
    changed = {**files, "train.csv": b"a,b\n1,3\n"}
    assert version_of(log_artifact(client, "mnist", entries_of(client, changed))) == "v1"
    model = entries_of(client, {"w.bin": b"weights"})
    assert version_of(log_artifact(client, "net", model, type_="model", aliases=["best"])) == "v0"

    types = client.get(f"{PROJECT}/artifact-types").json()
    assert types == {"types": [{"type": "dataset", "collections": 1},
                               {"type": "model", "collections": 1}]}  # fmt: skip
    listed = client.get(f"{PROJECT}/artifacts").json()
    assert [a["name"] for a in listed["artifacts"]] == ["mnist", "net"]
    assert listed["next"] is None
    page = client.get(f"{PROJECT}/artifacts", params={"limit": 1}).json()
    assert page["next"] == "mnist"
    rest = client.get(f"{PROJECT}/artifacts", params={"after": page["next"]}).json()
    assert [a["name"] for a in rest["artifacts"]] == ["net"]
    assert [a["name"] for a in client.get(f"{PROJECT}/artifacts", params={"type": "model"}).json()[
        "artifacts"]] == ["net"]  # fmt: skip
    assert client.get(f"{PROJECT}/artifacts", params={"q": "NIS"}).json()["artifacts"][0][
        "name"] == "mnist"  # fmt: skip

    collection = client.get(f"{ART}/mnist").json()
    assert (collection["type"], collection["versions"], collection["description"]) == (
        "dataset", 2, None
    )  # fmt: skip
    assert collection["latest"]["version"] == "v1"
    v0 = client.get(f"{ART}/mnist/versions/v0").json()
    assert v0["path"] == "team/proj/mnist:v0"
    assert (v0["description"], v0["file_count"], v0["size"]) == ("digits", 3, 18)
    assert v0["logged_by"]["path"] == "team/proj/run00001"
    assert v0["aliases"] == []
    assert client.get(f"{ART}/mnist/versions/latest").json()["version"] == "v1"
    assert client.get(f"{ART}/mnist/versions/{v0['digest']}").json()["version"] == "v0"
    assert client.get(f"{ART}/net/versions/best").json()["aliases"] == ["best", "latest"]
    versions = client.get(f"{ART}/mnist/versions", params={"limit": 1}).json()
    assert [v["version"] for v in versions["versions"]] == ["v1"]
    older = client.get(f"{ART}/mnist/versions", params={"after": versions["next"]}).json()
    assert [v["version"] for v in older["versions"]] == ["v0"]

    first = client.get(f"{ART}/mnist/versions/v0/files", params={"limit": 2}).json()
    assert [f["path"] for f in first["files"]] == ["images/0.png", "images/1.png"]
    assert first["next"] == "images/1.png"
    last = client.get(f"{ART}/mnist/versions/v0/files", params={"after": first["next"]}).json()
    assert ([f["path"] for f in last["files"]], last["next"]) == (["train.csv"], None)
    prefixed = client.get(f"{ART}/mnist/versions/v0/files", params={"prefix": "images/"}).json()
    assert len(prefixed["files"]) == 2
    manifest = client.get(f"{ART}/mnist/versions/v0/manifest")
    assert manifest.status_code == 200
    assert manifest.json()["digest"] == v0["digest"]
    assert [e["path"] for e in manifest.json()["entries"]] == ["images/0.png", "images/1.png",
                                                               "train.csv"]  # fmt: skip

    url = f"{ART}/mnist/versions/v0/files/train.csv"
    download = client.get(url)
    assert download.status_code == 200
    assert download.content == files["train.csv"]
    etag = download.headers["etag"]
    assert etag == f'"{hashlib.sha256(files["train.csv"]).hexdigest()}"'
    assert "attachment" in download.headers["content-disposition"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    ranged = client.get(url, headers={"Range": "bytes=2-4"})
    assert (ranged.status_code, ranged.content) == (206, files["train.csv"][2:5])
    nested = client.get(f"{ART}/mnist/versions/latest/files/images/0.png")
    assert nested.content == files["images/0.png"]

    diff = client.get(f"{ART}/mnist/versions/v0/diff", params={"other": "v1"}).json()
    assert (diff["added"], diff["removed"]) == ([], [])
    assert [c["path"] for c in diff["changed"]] == ["train.csv"]
    assert diff["changed"][0]["before"]["sha256"] != diff["changed"][0]["after"]["sha256"]


def test_edits_aliases_use_lineage_and_deletes(client: httpx.Client) -> None:
    raw = entries_of(client, {"raw.txt": b"raw"})
    assert version_of(log_artifact(client, "raw", raw, run_id="ingest01")) == "v0"
    used = client.post(f"{ART}/raw/versions/v0/use", json={"run": "prep0001"})
    assert used.status_code == 200, used.text
    assert used.json()["version"] == "v0"
    assert client.post(
        f"{ART}/raw/versions/latest/use", json={"run": "team/proj/prep0001"}
    ).is_success
    clean = entries_of(client, {"clean.txt": b"clean"})
    assert version_of(log_artifact(client, "clean", clean, run_id="prep0001")) == "v0"
    lineage = client.get(f"{ART}/raw/versions/v0/lineage", params={"depth": 2}).json()
    assert {n["id"] for n in lineage["nodes"]} == {
        "artifact:team/proj/raw:v0", "artifact:team/proj/clean:v0",
        "run:team/proj/ingest01", "run:team/proj/prep0001",
    }  # fmt: skip
    assert {(e["source"], e["target"]) for e in lineage["edges"]} == {
        ("run:team/proj/ingest01", "artifact:team/proj/raw:v0"),
        ("artifact:team/proj/raw:v0", "run:team/proj/prep0001"),
        ("run:team/proj/prep0001", "artifact:team/proj/clean:v0"),
    }
    assert lineage["truncated"] is False
    of_run = client.get("/api/v1/runs/team/proj/prep0001/artifacts").json()
    assert [v["path"] for v in of_run["logged"]] == ["team/proj/clean:v0"]
    assert [v["path"] for v in of_run["used"]] == ["team/proj/raw:v0"]

    edited = client.patch(f"{ART}/raw", json={"description": "source data"})
    assert edited.json()["description"] == "source data"
    version = client.patch(
        f"{ART}/raw/versions/v0", json={"metadata": {"rows": 3, "cols": ["a"]}, "ttl_s": 3600}
    ).json()
    assert version["metadata"] == {"rows": 3, "cols": ["a"]}
    assert version["expires_at"] == pytest.approx(version["created_at"] + 3600)
    assert version["description"] is None
    kept = client.patch(f"{ART}/raw/versions/v0", json={"ttl_s": None}).json()
    assert kept["expires_at"] is None
    assert kept["metadata"] == {"rows": 3, "cols": ["a"]}

    raw2 = entries_of(client, {"raw.txt": b"raw, corrected"})
    assert version_of(log_artifact(client, "raw", raw2, run_id="ingest01")) == "v1"
    moved = client.put(f"{ART}/raw/aliases/golden", json={"version": "v0"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["aliases"] == ["golden"]
    again = client.put(f"{ART}/raw/aliases/golden", json={"version": "v1"}).json()
    assert again["aliases"] == ["golden", "latest"]
    assert client.get(f"{ART}/raw/versions/v0").json()["aliases"] == []
    conflict = client.delete(f"{ART}/raw/versions/v1")
    assert conflict.status_code == 409
    assert "golden" in conflict.json()["detail"]
    assert client.delete(f"{ART}/raw/aliases/golden").status_code == 204
    assert client.delete(f"{ART}/raw/aliases/golden").status_code == 404
    assert client.put(f"{ART}/raw/aliases/golden", json={"version": "v1"}).is_success
    assert (
        client.delete(f"{ART}/raw/versions/v1", params={"delete_aliases": True}).status_code == 204
    )
    assert client.get(f"{ART}/raw/versions/latest").json()["version"] == "v0"
    assert client.get(f"{ART}/raw/versions/golden").status_code == 404
    assert client.delete(f"{ART}/raw").status_code == 204
    assert client.get(f"{ART}/raw").status_code == 404
    assert client.get("/api/v1/runs/team/proj/prep0001/artifacts").json()["used"] == []


def test_bad_input_is_refused_clearly(client: httpx.Client) -> None:
    entries = entries_of(client, {"a.txt": b"a"})
    assert version_of(log_artifact(client, "data", entries)) == "v0"
    # names and paths that could escape or clash
    for url in (f"{ART}/%2e%2e", f"{ART}/a%3Ab", f"{ART}/data/versions/bad%20ref",
                f"{ART}/data/versions/v0/files/a%2F..%2Fb",
                f"{ART}/data/versions/v0/files/%252e%252e/x"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 400, (url, response.text)
        assert response.json()["detail"]
    for alias in ("latest", "v3"):
        refused = client.put(f"{ART}/data/aliases/{alias}", json={"version": "v0"})
        assert refused.status_code == 400
        assert alias in refused.json()["detail"]
    assert client.delete(f"{ART}/data/aliases/latest").status_code == 400
    assert client.get(f"{ART}/nothing").status_code == 404
    assert "v9" in client.get(f"{ART}/data/versions/v9").json()["detail"]
    assert client.get(f"{ART}/data/versions/v0/files/missing.txt").status_code == 404
    assert client.get(f"{ART}/data/versions", params={"after": "best"}).status_code == 400
    assert client.post(f"{ART}/data/versions/v0/use", json={"run": "a/b"}).status_code == 400
    assert client.patch(f"{ART}/data/versions/v0", json={"ttl_s": -1}).status_code == 422

    # records the server cannot apply are rejected one by one, the batch goes through
    missing = {"path": "b.txt", "sha256": hashlib.sha256(b"never sent").hexdigest(), "size": 10}
    answer = log_artifact(client, "data", [*entries, missing])
    assert answer["artifacts"] == []
    assert "b.txt" in answer["rejected"][0]["error"]
    assert "upload" in answer["rejected"][0]["error"]
    other_type = log_artifact(client, "data", entries, type_="model")
    assert "type 'dataset'" in other_type["rejected"][0]["error"]
    bad_path = artifact_record("1" * 32, "data", "dataset", entries, 1.0)
    bad_path[1]["entries"] = [{**entries[0], "path": "%2e%2e/up"}]
    rejected = post_batch(client, [list(bad_path)], 0, new_stream()).json()["rejected"]
    assert "not a safe relative path" in rejected[0]["error"]
    ref = [{"path": "remote.csv", "ref": "s3://bucket/remote.csv", "checksum": "etag"}]
    assert version_of(log_artifact(client, "refs", ref)) == "v0"
    remote = client.get(f"{ART}/refs/versions/v0/files/remote.csv")
    assert remote.status_code == 404
    assert "s3://bucket/remote.csv" in remote.json()["detail"]

    # a version-1 batch (an older SDK, a v1 run log) still applies, without artifact records
    record = list(artifact_record("2" * 32, "data", "dataset", entries, 1.0))
    body = encode_batch("team", "proj", "run00002", new_stream(), 0,
                        encode_records([["run", {"name": "old"}], record]), version=1)  # fmt: skip
    old = client.post("/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE})
    assert old.status_code == 200, old.text
    assert (old.json()["applied"], old.json()["artifacts"]) == (1, [])
    assert "wire version 1" in old.json()["rejected"][0]["error"]
    assert client.get("/api/v1/runs/team/proj/run00002").json()["name"] == "old"


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "auth-data")
    try:
        yield proc
    finally:
        proc.stop()


def test_roles(auth_server: ServerProcess) -> None:
    root, csrf = login(auth_server, *ADMIN)
    root.headers["X-CSRF-Token"] = csrf
    for name in ("mia", "val", "eve"):
        made = root.post("/api/v1/users", json={"username": name, "password": "password-1"})
        assert made.is_success, made.text
    assert root.post("/api/v1/teams", json={"name": "lab"}).status_code == 201
    for name, role in (("mia", "member"), ("val", "viewer")):
        assert root.put(f"/api/v1/teams/lab/members/{name}", json={"role": role}).is_success
    entries = entries_of(root, {"w.bin": b"weights"})
    assert version_of(log_artifact(root, "net", entries, entity="lab", type_="model")) == "v0"
    assert root.patch("/api/v1/projects/lab/proj", json={"visibility": "team"}).is_success
    clients = {}
    for name in ("mia", "val", "eve"):
        c, token = login(auth_server, name, "password-1")
        c.headers["X-CSRF-Token"] = token
        clients[name] = c
    mia, val, eve = clients["mia"], clients["val"], clients["eve"]
    art = "/api/v1/artifacts/lab/proj/net"
    # viewers read everything, files included, and change nothing
    assert val.get(art).status_code == 200
    assert val.get(f"{art}/versions/v0/files/w.bin").content == b"weights"
    assert val.get("/api/v1/projects/lab/proj/artifacts").status_code == 200
    assert val.put(f"{art}/aliases/prod", json={"version": "v0"}).status_code == 403
    assert val.patch(art, json={"description": "x"}).status_code == 403
    assert val.delete(f"{art}/versions/v0").status_code == 403
    assert val.post(f"{art}/versions/v0/use", json={"run": "run00001"}).status_code == 403
    # members write
    assert mia.put(f"{art}/aliases/prod", json={"version": "v0"}).status_code == 200
    assert mia.post(f"{art}/versions/v0/use", json={"run": "mia-run1"}).status_code == 200
    # another user cannot even see it, nor its files
    assert eve.get(art).status_code == 404
    assert eve.get(f"{art}/versions/v0/files/w.bin").status_code == 404
    assert eve.get("/api/v1/projects/lab/proj/artifact-types").status_code == 404
    assert eve.put(f"{art}/aliases/prod", json={"version": "v0"}).status_code == 404
    anonymous = httpx.Client(base_url=auth_server.base_url, timeout=30)
    assert anonymous.get(art).status_code == 401


def test_versions_past_their_ttl_are_deleted_by_housekeeping(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"CAIRN_SERVER_HOUSEKEEPING_INTERVAL_S": "0.2"})
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            short = entries_of(client, {"a": b"short-lived"})
            assert version_of(log_artifact(client, "tmp", short, ttl_s=0.5)) == "v0"
            keep = entries_of(client, {"a": b"kept"})
            assert version_of(log_artifact(client, "tmp", keep)) == "v1"
            deadline = time.monotonic() + 60
            while client.get(f"{ART}/tmp/versions/v0").status_code == 200:
                assert time.monotonic() < deadline, "the expired version was never deleted"
                time.sleep(0.2)
            assert client.get(f"{ART}/tmp/versions/v0").status_code == 404
            assert client.get(f"{ART}/tmp").json()["versions"] == 1
    finally:
        server.stop()
