"""Blobs at scale against a real server: existence answers that reveal nothing, multipart
uploads past a small part size, resuming, wrong content, and collection racing uploads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.transport import Transport
from tests.authhelp import ADMIN, ADMIN_ENV, login
from tests.integration.test_observability import scrape, value
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

MIB = 1024 * 1024
PARTS_ROUTE = "/api/v1/uploads/{upload_id}/parts/{number}"


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server that requires login and takes uploads in parts of 1 MiB."""
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


def _user(server: ServerProcess, name: str) -> tuple[httpx.Client, str]:
    """A client calling with a fresh API key of the new user ``name``, and the key."""
    admin, csrf = login(server, *ADMIN)
    made = admin.post(
        "/api/v1/users",
        json={"username": name, "password": f"{name}-password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 201, made.text
    session, user_csrf = login(server, name, f"{name}-password")
    key = session.post(
        "/api/v1/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": user_csrf}
    ).json()["key"]
    client = httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )
    return client, key


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _missing(client: httpx.Client, project: str, shas: list[str]) -> list[str]:
    answer = client.post("/api/v1/blobs/missing", json={"project": project, "blobs": shas})
    assert answer.status_code == 200, answer.text
    assert answer.json()["part_size"] == MIB
    missing: list[str] = answer.json()["missing"]
    return missing


def _reference(client: httpx.Client, entity: str, data: bytes) -> None:
    record = ["file", {"path": "data.bin", "sha256": _sha(data), "size": len(data)}]
    answer = post_batch(client, [["run", {}], record], 0, new_stream(), entity=entity)
    assert answer.json()["applied"] == 2, answer.text


def _staged(server: ServerProcess) -> list[str]:
    uploads = server.data_dir / "blobs" / ".uploads"
    return (
        sorted(str(p.relative_to(uploads)) for p in uploads.rglob("*")) if uploads.exists() else []
    )


def test_existence_answers_reveal_no_other_projects_blobs(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    bob, _ = _user(server, "bob")
    secret, other = b"ada's private weights", b"never uploaded"
    assert ada.put(f"/api/v1/blobs/{_sha(secret)}", content=secret).status_code == 200
    _reference(ada, "ada", secret)
    shas = [_sha(secret), _sha(other)]
    assert _missing(ada, "ada/proj", shas) == [_sha(other)]
    assert (
        ada.head(f"/api/v1/blobs/{_sha(secret)}", params={"project": "ada/proj"}).status_code == 200
    )
    # bob cannot read ada/proj: the blob is missing to him under any project, and HEAD says 404
    assert _missing(bob, "ada/proj", shas) == shas
    assert _missing(bob, "bob/proj", shas) == shas
    for params in ({}, {"project": "ada/proj"}, {"project": "bob/proj"}):
        assert bob.head(f"/api/v1/blobs/{_sha(secret)}", params=params).status_code == 404
    # once bob has sent the bytes himself, they count for him (he proved he has them)
    assert bob.put(f"/api/v1/blobs/{_sha(secret)}", content=secret).status_code == 200
    assert _missing(bob, "bob/proj", shas) == [_sha(other)]
    assert bob.head(f"/api/v1/blobs/{_sha(secret)}").status_code == 200


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"project": "ada/proj", "blobs": ["0" * 64] * 10_001}, "body.blobs"),
        ({"project": "ada/proj", "blobs": ["XYZ"]}, "body.blobs.0"),
        ({"project": "no-entity", "blobs": []}, "body.project"),
        ({"project": "a/b/c", "blobs": []}, "body.project"),
    ],
)
def test_bad_existence_checks_are_refused(
    server: ServerProcess, body: dict[str, object], where: str
) -> None:
    ada, _ = _user(server, "ada")
    answer = ada.post("/api/v1/blobs/missing", json=body)
    assert answer.status_code == 422
    assert where in answer.json()["detail"]
    anonymous = httpx.post(f"{server.base_url}/api/v1/blobs/missing", json=body)
    assert anonymous.status_code in (401, 422)


def test_a_file_larger_than_the_part_size_goes_up_in_parts(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    bob, _ = _user(server, "bob")
    data = os.urandom(2 * MIB + 123)
    sha = _sha(data)
    opened = ada.post(
        "/api/v1/uploads", json={"sha256": sha, "size": len(data), "project": "ada/proj"}
    )
    assert opened.status_code == 200, opened.text
    session = opened.json()
    assert session == {"id": session["id"], "part_size": MIB, "parts_done": []}  # no urls: local
    parts = f"/api/v1/uploads/{session['id']}/parts"
    short = ada.put(f"{parts}/1", content=data[: MIB - 1])
    assert short.status_code == 400
    assert "holds 1048575 bytes, not 1048576" in short.json()["detail"]
    assert ada.put(f"{parts}/4", content=b"x").status_code == 400  # past the last part
    assert bob.put(f"{parts}/1", content=data[:MIB]).status_code == 404  # not bob's session
    for number in (3, 1, 2):
        chunk = data[(number - 1) * MIB : number * MIB]
        answer = ada.put(f"{parts}/{number}", content=chunk)
        assert answer.json() == {"number": number, "size": len(chunk)}
    done = ada.post(f"/api/v1/uploads/{session['id']}/complete")
    assert done.json() == {"sha256": sha, "size": len(data)}
    assert _staged(server) == []  # the parts went with the session
    assert ada.post(f"/api/v1/uploads/{session['id']}/complete").status_code == 404
    assert _missing(ada, "ada/proj", [sha]) == []  # her own upload
    _reference(ada, "ada", data)
    assert ada.get("/api/v1/runs/ada/proj/run00001/files/data.bin").content == data


def test_an_interrupted_upload_resumes_where_it_stopped(
    server: ServerProcess, tmp_path: Path
) -> None:
    ada, key = _user(server, "ada")
    admin, _ = login(server, *ADMIN)
    data = os.urandom(3 * MIB + 5)
    sha = _sha(data)
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(data)
    # a sender that crashed after two of four parts
    body = {"sha256": sha, "size": len(data), "project": "ada/proj"}
    first = ada.post("/api/v1/uploads", json=body).json()
    for number in (1, 2):
        ada.put(
            f"/api/v1/uploads/{first['id']}/parts/{number}",
            content=data[(number - 1) * MIB : number * MIB],
        )
    again = ada.post("/api/v1/uploads", json=body).json()
    assert (again["id"], again["parts_done"]) == (first["id"], [1, 2])
    before = value(
        scrape(admin), "cairn_http_requests_total", method="PUT", route=PARTS_ROUTE, status="2xx"
    )
    transport = Transport(server.base_url, key)
    try:
        result = transport.upload_blobs("ada/proj", [LocalBlob(sha, len(data), path)])
    finally:
        transport.close()
    assert (result.outcome, result.detail) == ("ok", "")
    after = value(
        scrape(admin), "cairn_http_requests_total", method="PUT", route=PARTS_ROUTE, status="2xx"
    )
    assert after - before == 2  # parts 3 and 4 only
    _reference(ada, "ada", data)
    assert ada.get("/api/v1/runs/ada/proj/run00001/files/data.bin").content == data


def test_content_that_hashes_otherwise_is_refused_and_nothing_kept(server: ServerProcess) -> None:
    ada, _ = _user(server, "ada")
    claimed, sent = os.urandom(MIB + 10), os.urandom(MIB + 10)
    body = {"sha256": _sha(claimed), "size": len(claimed), "project": "ada/proj"}
    session = ada.post("/api/v1/uploads", json=body).json()
    parts = f"/api/v1/uploads/{session['id']}/parts"
    ada.put(f"{parts}/2", content=sent[MIB:])
    incomplete = ada.post(f"/api/v1/uploads/{session['id']}/complete")
    assert incomplete.status_code == 409
    assert incomplete.json()["missing_parts"] == [1]
    ada.put(f"{parts}/1", content=sent[:MIB])
    refused = ada.post(f"/api/v1/uploads/{session['id']}/complete")
    assert refused.status_code == 409
    assert refused.json()["expected_sha256"] == _sha(claimed)
    assert refused.json()["actual_sha256"] == _sha(sent)
    assert _sha(claimed) in refused.json()["detail"]
    assert _sha(sent) in refused.json()["detail"]
    assert _missing(ada, "ada/proj", [_sha(claimed), _sha(sent)]) == [_sha(claimed), _sha(sent)]
    assert _staged(server) == []
    assert ada.put(f"{parts}/1", content=sent[:MIB]).status_code == 404  # the session ended
    assert not list((server.data_dir / "blobs").glob("??/??/*"))


def _gc(server: ServerProcess, db_url: str, grace: str) -> str:
    args = [sys.executable, "-m", "cairn.cli.main", "server", "gc", "--data-dir",
            str(server.data_dir), "--db", db_url, "--grace", grace]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout


def test_collection_racing_an_upload_keeps_it_whole(server: ServerProcess, db_url: str) -> None:
    ada, _ = _user(server, "ada")
    data = os.urandom(MIB + 1)
    sha = _sha(data)
    body = {"sha256": sha, "size": len(data), "project": "ada/proj"}
    session = ada.post("/api/v1/uploads", json=body).json()
    ada.put(f"/api/v1/uploads/{session['id']}/parts/1", content=data[:MIB])
    ada.put(f"/api/v1/uploads/{session['id']}/parts/2", content=data[MIB:])
    # a collection while the parts wait: staged parts are no blobs, nothing of them goes
    assert "removed 0 unreferenced blobs" in _gc(server, db_url, "0")
    assert ada.post("/api/v1/uploads", json=body).json()["parts_done"] == [1, 2]
    assert ada.post(f"/api/v1/uploads/{session['id']}/complete").status_code == 200
    # the sender is told the blob is there; a collection right after keeps it (its grace
    # period started again with the answer), so the file record that follows finds it
    assert _missing(ada, "ada/proj", [sha]) == []
    assert "removed 0 unreferenced blobs" in _gc(server, db_url, "60")
    _reference(ada, "ada", data)
    assert "removed 0 unreferenced blobs" in _gc(server, db_url, "0")  # referenced now
    assert ada.get("/api/v1/runs/ada/proj/run00001/files/data.bin").content == data


def test_expired_uploads_are_dropped_by_collection(server: ServerProcess, db_url: str) -> None:
    ada, _ = _user(server, "ada")
    body = {"sha256": _sha(b"abandoned"), "size": 2 * MIB, "project": "ada/proj"}
    session = ada.post("/api/v1/uploads", json=body).json()
    ada.put(f"/api/v1/uploads/{session['id']}/parts/1", content=b"\0" * MIB)
    assert _staged(server) == [session["id"], f"{session['id']}/1"]
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:  # a day has passed
            conn.execute(text("UPDATE blob_uploads SET expires_at = 0"))
    finally:
        engine.dispose()
    _gc(server, db_url, "3600")
    assert _staged(server) == []
    again = ada.post("/api/v1/uploads", json=body).json()
    assert again["id"] != session["id"]
    assert again["parts_done"] == []
