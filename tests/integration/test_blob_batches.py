"""Blob batches against a real server (design 0017): many blobs per request both ways, each
checked against its address, downloads only through a project the caller can read, and the
collection rules of single uploads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack
import pytest

from tests.authhelp import ADMIN_ENV
from tests.integration.test_blob_uploads import _reference, _user
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

MIB = 1024 * 1024
BLOBS = "application/vnd.cairn.blobs"


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server that requires login and takes bodies of 1 MiB (its part size)."""
    proc = start_server(
        tmp_path / "data",
        db_url=db_url,
        extra_args=["--auth", "required", "--upload-part-mb", "1"],
        env=ADMIN_ENV,
    )
    try:
        yield proc
    finally:
        proc.stop()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _send(client: httpx.Client, pairs: list[list[object]]) -> httpx.Response:
    body = msgpack.packb(pairs, use_bin_type=True)
    return client.post("/api/v1/blobs/batch", content=body, headers={"Content-Type": BLOBS})


def _fetch(client: httpx.Client, project: str, shas: list[str]) -> httpx.Response:
    return client.post(f"/api/v1/projects/{project}/blobs/batch", json={"blobs": shas})


def _own(client: httpx.Client, shas: list[str]) -> set[str]:
    """The blobs the caller may skip sending (its own recent uploads)."""
    answer = client.post("/api/v1/blobs/missing", json={"project": "x/y", "blobs": shas})
    assert answer.status_code == 200, answer.text
    return set(shas) - set(answer.json()["missing"])


def _stored(server: ServerProcess) -> set[str]:
    return {p.name for p in (server.data_dir / "blobs").glob("??/??/*")}


def _gc(server: ServerProcess, db_url: str, grace: str) -> str:
    args = [sys.executable, "-m", "cairn.cli.main", "server", "gc", "--data-dir",
            str(server.data_dir), "--db", db_url, "--grace", grace]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout


def test_a_batch_stores_each_blob_and_refuses_a_wrong_one_alone(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    blobs = [os.urandom(1000 + i) for i in range(30)]
    claimed, sent = b"what the file held", b"what it holds now"
    pairs: list[list[object]] = [[_sha(b), b] for b in blobs]
    pairs.insert(7, [_sha(claimed), sent])
    answer = _send(ada, pairs)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["sha256"] for r in results] == [p[0] for p in pairs]  # in the order sent
    refused = results.pop(7)
    assert refused["status"] == 409
    assert (refused["expected_sha256"], refused["actual_sha256"]) == (_sha(claimed), _sha(sent))
    assert _sha(sent) in refused["detail"]
    assert [(r["status"], r["size"]) for r in results] == [(200, len(b)) for b in blobs]
    assert _stored(server) == {_sha(b) for b in blobs}  # nothing of the wrong one was kept
    # each stored blob was noted as ada's upload, as a single PUT notes it
    everything = [_sha(b) for b in blobs] + [_sha(claimed), _sha(sent)]
    assert _own(ada, everything) == {_sha(b) for b in blobs}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"\xc1 not msgpack", 400, "msgpack array"),
        (msgpack.packb([]), 400, "non-empty"),
        (msgpack.packb({"a": 1}), 400, "non-empty"),
        (msgpack.packb([["0" * 64, b"x"]] * 1001, use_bin_type=True), 400, "at most 1000"),
        (msgpack.packb([["ABC", b"x"]], use_bin_type=True), 400, "64 lowercase hex"),
        (msgpack.packb([[_sha(b"x"), "x"]], use_bin_type=True), 400, "pair"),
        (msgpack.packb([[_sha(b"x"), b"x", 3]], use_bin_type=True), 400, "pair"),
        (msgpack.packb([["0" * 64, b"\0" * (MIB + 1)]], use_bin_type=True), 413, "limit"),
    ],
)
def test_bad_batches_are_refused_whole(
    server: ServerProcess, body: bytes, status: int, says: str
) -> None:
    ada, _ = _user(server, "ada")
    answer = ada.post("/api/v1/blobs/batch", content=body, headers={"Content-Type": BLOBS})
    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]
    assert _stored(server) == set()


def test_a_batch_needs_a_signed_in_caller_and_its_media_type(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    assert _send(ada, [[_sha(b"x"), b"x"]]).status_code == 200
    _reference(ada, "ada", b"x")
    body = msgpack.packb([[_sha(b"y"), b"y"]], use_bin_type=True)
    with httpx.Client(base_url=server.base_url) as anonymous:
        answer = anonymous.post(
            "/api/v1/blobs/batch", content=body, headers={"Content-Type": BLOBS}
        )
        assert answer.status_code == 401
        assert _fetch(anonymous, "ada/proj", [_sha(b"x")]).status_code == 401
    answer = ada.post("/api/v1/blobs/batch", content=body, headers={"Content-Type": "text/plain"})
    assert answer.status_code == 400
    assert BLOBS in answer.json()["detail"]
    answer = ada.put("/api/v1/blobs/batch", content=body)  # not taken for a blob address
    assert (answer.status_code, answer.headers["allow"]) == (405, "POST")
    assert _stored(server) == {_sha(b"x")}


def test_downloads_come_only_through_a_project_the_caller_can_read(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    bob, _ = _user(server, "bob")
    referenced, unreferenced, absent = b"ada's weights", b"sent, never referenced", b"never sent"
    assert _send(ada, [[_sha(referenced), referenced], [_sha(unreferenced), unreferenced]]).json()
    _reference(ada, "ada", referenced)
    shas = [_sha(referenced), _sha(unreferenced), _sha(absent)]
    answer = _fetch(ada, "ada/proj", shas)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == BLOBS
    body = msgpack.unpackb(answer.content, raw=False)
    assert body == {"blobs": [[_sha(referenced), referenced]], "missing": shas[1:]}
    # bob cannot read ada/proj, and his own project references none of it
    assert _fetch(bob, "ada/proj", shas).status_code == 404
    assert _send(bob, [[_sha(b"bob's"), b"bob's"]]).status_code == 200
    _reference(bob, "bob", b"bob's")
    answer = _fetch(bob, "bob/proj", shas)
    assert msgpack.unpackb(answer.content, raw=False) == {"blobs": [], "missing": shas}
    for bad in ({"blobs": []}, {"blobs": ["0" * 64] * 1001}, {"blobs": ["XYZ"]}):
        assert ada.post("/api/v1/projects/ada/proj/blobs/batch", json=bad).status_code == 422


def test_a_download_batch_carries_at_most_8_mib(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    files = [os.urandom(MIB) for _ in range(9)]
    for data in files:
        assert ada.put(f"/api/v1/blobs/{_sha(data)}", content=data).status_code == 200
    shas = [_sha(data) for data in files]
    records = [
        ["file", {"path": f"{i}.bin", "sha256": sha, "size": MIB}] for i, sha in enumerate(shas)
    ]
    answer = post_batch(ada, [["run", {}], *records], 0, new_stream(), entity="ada")
    assert answer.json()["applied"] == 10, answer.text
    answer = _fetch(ada, "ada/proj", shas)
    assert answer.status_code == 400
    assert "ask for fewer" in answer.json()["detail"]
    body = msgpack.unpackb(_fetch(ada, "ada/proj", shas[:8]).content, raw=False)
    assert [sha for sha, _ in body["blobs"]] == shas[:8]


def test_collection_spares_what_a_batch_stored_until_its_grace_ends(
    server: ServerProcess, db_url: str
) -> None:
    ada, _ = _user(server, "ada")
    kept, dropped = b"referenced after the upload", b"never referenced"
    pairs: list[list[object]] = [[_sha(kept), kept], [_sha(dropped), dropped]]
    assert [r["status"] for r in _send(ada, pairs).json()["results"]] == [200, 200]
    # the batch restarted their grace periods: a collection right after keeps them both
    assert "removed 0 unreferenced blobs" in _gc(server, db_url, "60")
    _reference(ada, "ada", kept)
    assert "removed 1 unreferenced blobs" in _gc(server, db_url, "0")
    assert _stored(server) == {_sha(kept)}
    body = msgpack.unpackb(_fetch(ada, "ada/proj", [_sha(kept)]).content, raw=False)
    assert body["blobs"] == [[_sha(kept), kept]]
    # sent again after its collection, the bytes and their row come back
    assert _send(ada, [[_sha(dropped), dropped]]).json()["results"][0]["status"] == 200
    assert _stored(server) == {_sha(kept), _sha(dropped)}
    assert _own(ada, [_sha(dropped)]) == {_sha(dropped)}
