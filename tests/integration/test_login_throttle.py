"""Sign-in throttling per account and per client address, against real servers.

The servers sit on loopback, where they take the client address a proxy forwards
(``X-Forwarded-For``), as behind the reverse proxy of docs/deployment.md: that is how these tests
sign in from several addresses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cairn.server.auth.throttle import ACCOUNT_FAILURES, ADDRESS_FAILURES, BASE_LOCK_S
from tests.authhelp import ADMIN, create_user, session, start_auth_server
from tests.serverproc import ServerProcess

BOB = ("bob", "bob-right-password")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data")
    try:
        yield proc
    finally:
        proc.stop()


def _login(
    server: ServerProcess, username: str, password: str, address: str = "192.0.2.10"
) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def _admin(server: ServerProcess) -> httpx.Client:
    return session(server, *ADMIN)


def _assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= BASE_LOCK_S
    assert "too many failed sign-ins" in response.json()["detail"]


def test_eight_wrong_passwords_lock_the_account_even_for_the_right_one(
    server: ServerProcess,
) -> None:
    admin = _admin(server)
    create_user(admin, *BOB)
    answers = [_login(server, "bob", f"wrong-{i}") for i in range(8)]
    assert [a.status_code for a in answers[:ACCOUNT_FAILURES]] == [401] * ACCOUNT_FAILURES
    for answer in answers[ACCOUNT_FAILURES:]:
        _assert_throttled(answer)
    _assert_throttled(_login(server, *BOB))
    _assert_throttled(_login(server, *BOB, address="198.51.100.77"))  # any address

    users = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert users["bob"]["failed_logins"] == ACCOUNT_FAILURES  # refused tries do not count
    assert users["bob"]["locked_until"] is not None
    assert users["root"]["locked_until"] is None
    locks = admin.get("/api/v1/login-locks").json()
    assert [(lock["kind"], lock["name"]) for lock in locks] == [("account", "bob")]

    assert admin.delete("/api/v1/login-locks/account/bob").status_code == 204
    assert _login(server, *BOB).status_code == 200
    assert admin.get("/api/v1/login-locks").json() == []
    assert {u["username"]: u for u in admin.get("/api/v1/users").json()}["bob"][
        "failed_logins"
    ] == 0


def test_unknown_usernames_lock_like_known_ones(server: ServerProcess) -> None:
    for i in range(ACCOUNT_FAILURES):
        assert _login(server, "nobody", f"guess-{i}").status_code == 401
    _assert_throttled(_login(server, "nobody", "guess"))


def test_a_right_password_clears_the_accounts_count(server: ServerProcess) -> None:
    create_user(_admin(server), *BOB)
    for _ in range(2):
        for i in range(ACCOUNT_FAILURES - 1):
            assert _login(server, "bob", f"wrong-{i}").status_code == 401
        assert _login(server, *BOB).status_code == 200
    assert _login(server, "bob", "wrong").status_code == 401


def test_an_address_is_locked_across_accounts(server: ServerProcess) -> None:
    admin = _admin(server)
    attacker = "203.0.113.9"
    for i in range(ADDRESS_FAILURES):
        # one guess per account: no account reaches its own limit
        assert _login(server, f"user{i}", "guess", address=attacker).status_code == 401
    _assert_throttled(_login(server, *ADMIN, address=attacker))
    assert _login(server, *ADMIN, address="198.51.100.4").status_code == 200
    locks = admin.get("/api/v1/login-locks").json()
    assert [(lock["kind"], lock["name"], lock["failures"]) for lock in locks] == [
        ("address", attacker, ADDRESS_FAILURES)
    ]
    assert admin.delete(f"/api/v1/login-locks/address/{attacker}").status_code == 204
    assert _login(server, *ADMIN, address=attacker).status_code == 200


def test_wrong_current_passwords_count_as_failed_sign_ins(server: ServerProcess) -> None:
    create_user(_admin(server), *BOB)
    bob = session(server, *BOB)
    for i in range(ACCOUNT_FAILURES):
        wrong = bob.post(
            "/api/v1/auth/password",
            json={"current_password": f"guess-{i}", "new_password": "a-new-password"},
        )
        assert wrong.status_code == 403
    _assert_throttled(
        bob.post(
            "/api/v1/auth/password",
            json={"current_password": BOB[1], "new_password": "a-new-password"},
        )
    )
    _assert_throttled(_login(server, *BOB))


@pytest.fixture
def two_servers(db_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes on one database (one SQLite file, or one PostgreSQL schema)."""
    data = tmp_path / "data"
    first = start_auth_server(data, db_url=db_url)
    try:
        second = start_auth_server(data, db_url=db_url)
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


def test_server_processes_count_failures_together(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_servers
    create_user(_admin(first), *BOB)
    for i in range(ACCOUNT_FAILURES):
        server = first if i % 2 else second
        assert _login(server, "bob", f"wrong-{i}").status_code == 401
    _assert_throttled(_login(first, *BOB))
    _assert_throttled(_login(second, *BOB))
