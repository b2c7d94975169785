"""Login, API keys, CSRF, roles and visibility against a real server that requires auth."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data")
    try:
        yield proc
    finally:
        proc.stop()


def _key(client: httpx.Client, csrf: str, name: str = "laptop") -> str:
    response = client.post("/api/v1/api-keys", json={"name": name}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def test_anonymous_callers_are_told_to_authenticate(server: ServerProcess) -> None:
    anon = httpx.Client(base_url=server.base_url)
    assert anon.get("/api/health").status_code == 200
    assert anon.get("/api/v1/auth/me").json()["auth"] == "anonymous"
    response = post_batch(anon, [history_record([(0, 1.0, {"a": 1.0})])], 0, new_stream())
    assert response.status_code == 401
    assert "authentication required" in response.json()["detail"]
    assert anon.get("/api/v1/projects").json()["projects"] == []


def test_wrong_password_is_refused(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url)
    response = client.post("/api/v1/auth/login", json={"username": "root", "password": "nope"})
    assert response.status_code == 401
    response = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert response.status_code == 401


def test_session_cookie_is_httponly_and_unsafe_requests_need_csrf(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url)
    response = client.post("/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/api/v1/auth/me").json()["username"] == "root"
    refused = client.post("/api/v1/api-keys", json={"name": "k"})
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    csrf = response.json()["csrf_token"]
    assert (
        client.post(
            "/api/v1/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 201
    )
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert client.get("/api/v1/auth/me").json()["auth"] == "anonymous"


def test_api_keys_work_as_bearer_and_basic_and_can_be_revoked(server: ServerProcess) -> None:
    admin, csrf = login(server, *ADMIN)
    key = _key(admin, csrf)
    listed = admin.get("/api/v1/api-keys").json()
    assert listed[0]["prefix"] == key[:12]
    assert "key" not in listed[0]
    bearer = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"})
    response = post_batch(
        bearer, [history_record([(0, 1.0, {"a": 1.0})])], 0, new_stream(), entity="root"
    )
    assert response.status_code == 200, response.text
    basic = httpx.Client(base_url=server.base_url, auth=("api", key))
    assert basic.get("/api/v1/runs/root/proj/run00001").status_code == 200
    admin.delete(f"/api/v1/api-keys/{listed[0]['id']}", headers={"X-CSRF-Token": csrf})
    assert bearer.get("/api/v1/runs/root/proj/run00001").status_code == 401
    bad = httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer cairn_wrong"})
    assert bad.get("/api/v1/projects").status_code == 401


def test_secrets_are_stored_hashed(server: ServerProcess) -> None:
    admin, csrf = login(server, *ADMIN)
    key = _key(admin, csrf)
    db = sqlite3.connect(server.data_dir / "cairn.db")
    hashes = [row[0] for row in db.execute("SELECT key_hash FROM api_keys")]
    passwords = [row[0] for row in db.execute("SELECT password_hash FROM users")]
    assert key not in hashes
    assert all(len(h) == 64 for h in hashes)
    assert all(p.startswith("$argon2id$") for p in passwords)
    assert ADMIN[1] not in passwords


def test_roles_and_visibility(server: ServerProcess) -> None:
    admin, csrf = login(server, *ADMIN)
    headers = {"X-CSRF-Token": csrf}
    assert (
        admin.post(
            "/api/v1/users",
            json={"username": "alice", "password": "alice-password"},
            headers=headers,
        ).status_code
        == 201
    )
    admin_key = _key(admin, csrf)
    writer = httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {admin_key}"}
    )
    post_batch(
        writer,
        [history_record([(0, 1.0, {"a": 1.0})])],
        0,
        new_stream(),
        entity="root",
        project="secret",
    )
    alice, alice_csrf = login(server, "alice", "alice-password")
    alice_key = _key(alice, alice_csrf)
    as_alice = httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {alice_key}"}
    )
    # A private project of someone else does not exist for alice.
    assert as_alice.get("/api/v1/projects/root/secret").status_code == 404
    assert as_alice.get("/api/v1/projects").json()["projects"] == []
    denied = post_batch(
        as_alice,
        [history_record([(1, 1.0, {"a": 2.0})])],
        0,
        new_stream(),
        entity="root",
        project="secret",
    )
    assert denied.status_code == 404
    # Her own entity is hers.
    assert (
        post_batch(
            as_alice, [history_record([(0, 1.0, {"a": 1.0})])], 0, new_stream(), entity="alice"
        ).status_code
        == 200
    )
    # Viewer on the project: can read, cannot write.
    admin.put(
        "/api/v1/projects/root/secret/members/alice", json={"role": "viewer"}, headers=headers
    )
    assert as_alice.get("/api/v1/projects/root/secret").status_code == 200
    forbidden = post_batch(
        as_alice,
        [history_record([(1, 1.0, {"a": 2.0})])],
        0,
        new_stream(),
        entity="root",
        project="secret",
    )
    assert forbidden.status_code == 403
    assert "viewer" in forbidden.json()["detail"]
    assert (
        as_alice.patch("/api/v1/runs/root/secret/run00001", json={"notes": "x"}).status_code == 403
    )
    # Public: readable without any credentials, still not writable.
    admin.patch("/api/v1/projects/root/secret", json={"visibility": "public"}, headers=headers)
    anon = httpx.Client(base_url=server.base_url)
    assert anon.get("/api/v1/runs/root/secret/run00001").status_code == 200
    assert anon.patch("/api/v1/runs/root/secret/run00001", json={"notes": "x"}).status_code == 401


CLI = (sys.executable, "-m", "cairn.cli.main", "server")


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_non_loopback_server_refuses_to_start_without_an_admin(tmp_path: Path) -> None:
    result = _cli("--host", "0.0.0.0", "--data-dir", str(tmp_path), "--port", "1")
    assert result.returncode != 0
    assert "create-admin" in result.stderr
    assert "Traceback" not in result.stderr


def test_create_admin_command(tmp_path: Path) -> None:
    data = ("--password-stdin", "--data-dir", str(tmp_path))
    result = _cli("create-admin", "--username", "boss", *data, stdin="long enough password\n")
    assert result.returncode == 0, result.stderr
    short = _cli("create-admin", "--username", "b2", *data, stdin="short\n")
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
