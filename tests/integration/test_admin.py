"""Admin routes, changing your own password, teams and project members, against a real server
that requires login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, create_user, session, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch

BOB = ("bob", "bob-first-password")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def admin(server: ServerProcess) -> httpx.Client:
    return session(server, *ADMIN)


def _api_key(client: httpx.Client) -> str:
    response = client.post("/api/v1/api-keys", json={"name": "k"})
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def _bearer(server: ServerProcess, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"})


def _login(server: ServerProcess, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/login",
        json={"username": username, "password": password},
        timeout=30,
    )


def _users(admin: httpx.Client) -> dict[str, dict[str, object]]:
    response = admin.get("/api/v1/users")
    assert response.status_code == 200, response.text
    return {u["username"]: u for u in response.json()}


ADMIN_ROUTES = (
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/users", {"username": "eve2", "password": "long enough"}),
    ("PATCH", "/api/v1/users/root", {"disabled": True}),
    ("POST", "/api/v1/users/root/password", {}),
    ("GET", "/api/v1/login-locks", None),
    ("DELETE", "/api/v1/login-locks/account/root", None),
)


def test_admin_routes_refuse_non_admins_and_anonymous_callers(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, *BOB)
    bob = session(server, *BOB)
    anon = httpx.Client(base_url=server.base_url)
    for method, path, body in ADMIN_ROUTES:
        refused = bob.request(method, path, json=body)
        assert refused.status_code == 403, (method, path, refused.text)
        assert "only an admin" in refused.json()["detail"]
        assert anon.request(method, path, json=body).status_code == 401, (method, path)
    # nothing happened: root is still an enabled admin with its password
    assert _users(admin)["root"]["disabled"] is False
    assert _login(server, *ADMIN).status_code == 200


def test_admin_creates_lists_disables_and_enables_users(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, *BOB)
    listed = _users(admin)
    assert set(listed) == {"root", "bob"}
    assert listed["bob"]["is_admin"] is False
    assert listed["bob"]["disabled"] is False
    assert listed["bob"]["last_login_at"] is None
    assert listed["root"]["last_login_at"] is not None
    taken = admin.post("/api/v1/users", json={"username": "bob", "password": "long enough"})
    assert taken.status_code == 409

    bob = session(server, *BOB)
    key = _api_key(bob)
    assert _users(admin)["bob"]["last_login_at"] is not None

    disabled = admin.patch("/api/v1/users/bob", json={"disabled": True})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    assert bob.get("/api/v1/auth/me").json()["auth"] == "anonymous"  # session ended
    assert _bearer(server, key).get("/api/v1/auth/me").status_code == 401
    refused = _login(server, *BOB)
    assert refused.status_code == 403
    assert "disabled" in refused.json()["detail"]
    assert _login(server, "bob", "not his password").status_code == 401

    enabled = admin.patch("/api/v1/users/bob", json={"disabled": False})
    assert enabled.json()["disabled"] is False
    assert _login(server, *BOB).status_code == 200
    assert _bearer(server, key).get("/api/v1/auth/me").json()["username"] == "bob"

    promoted = admin.patch("/api/v1/users/bob", json={"is_admin": True})
    assert promoted.json()["is_admin"] is True
    assert session(server, *BOB).get("/api/v1/users").status_code == 200
    assert admin.patch("/api/v1/users/ghost", json={"disabled": True}).status_code == 404


def test_admins_cannot_disable_or_demote_themselves(
    server: ServerProcess, admin: httpx.Client
) -> None:
    for body in ({"disabled": True}, {"is_admin": False}):
        refused = admin.patch("/api/v1/users/root", json=body)
        assert refused.status_code == 409
        assert "ask another admin" in refused.json()["detail"]
    assert _users(admin)["root"]["is_admin"] is True


def test_reset_password_makes_a_temporary_one_the_user_must_change(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, *BOB)
    old_session = session(server, *BOB)
    key = _api_key(old_session)

    reset = admin.post("/api/v1/users/bob/password", json={})
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["password"]
    assert len(temporary) >= 12
    assert reset.json()["must_change_password"] is True
    assert old_session.get("/api/v1/auth/me").json()["auth"] == "anonymous"
    assert _login(server, *BOB).status_code == 401
    assert _users(admin)["bob"]["must_change_password"] is True

    bob = session(server, "bob", temporary)
    me = bob.get("/api/v1/auth/me").json()
    assert me["must_change_password"] is True
    blocked = bob.get("/api/v1/projects")
    assert blocked.status_code == 403
    assert "choose a new one first" in blocked.json()["detail"]
    assert bob.post("/api/v1/api-keys", json={"name": "x"}).status_code == 403
    # the user's own API keys are not a password: they go on working
    assert _bearer(server, key).get("/api/v1/projects").status_code == 200

    changed = bob.post(
        "/api/v1/auth/password",
        json={"current_password": temporary, "new_password": "bob-chose-this-one"},
    )
    assert changed.status_code == 204, changed.text
    assert bob.get("/api/v1/auth/me").json()["must_change_password"] is False
    assert bob.get("/api/v1/projects").status_code == 200
    assert _users(admin)["bob"]["must_change_password"] is False

    given = admin.post(
        "/api/v1/users/bob/password",
        json={"password": "set-by-the-admin", "must_change_password": False},
    )
    assert given.json()["password"] == "set-by-the-admin"
    assert _login(server, "bob", "set-by-the-admin").json()["must_change_password"] is False
    assert admin.post("/api/v1/users/ghost/password", json={}).status_code == 404
    short = admin.post("/api/v1/users/bob/password", json={"password": "short"})
    assert short.status_code == 422


def test_users_created_with_a_temporary_password_must_change_it(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, "carol", "temporary-pass", must_change_password=True)
    carol = session(server, "carol", "temporary-pass")
    assert carol.get("/api/v1/auth/me").json()["must_change_password"] is True
    assert carol.get("/api/v1/projects").status_code == 403


def test_changing_your_password_ends_your_other_sessions_only(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, *BOB)
    here = session(server, *BOB)
    elsewhere = session(server, *BOB)
    key = _api_key(here)

    wrong = here.post(
        "/api/v1/auth/password",
        json={"current_password": "not it", "new_password": "bob-second-password"},
    )
    assert wrong.status_code == 403
    assert "current password is wrong" in wrong.json()["detail"]
    same = here.post(
        "/api/v1/auth/password",
        json={"current_password": BOB[1], "new_password": BOB[1]},
    )
    assert same.status_code == 400
    short = here.post(
        "/api/v1/auth/password", json={"current_password": BOB[1], "new_password": "short"}
    )
    assert short.status_code == 422
    no_csrf = httpx.Client(base_url=server.base_url, cookies=here.cookies).post(
        "/api/v1/auth/password",
        json={"current_password": BOB[1], "new_password": "bob-second-password"},
    )
    assert no_csrf.status_code == 403

    changed = here.post(
        "/api/v1/auth/password",
        json={"current_password": BOB[1], "new_password": "bob-second-password"},
    )
    assert changed.status_code == 204, changed.text
    assert here.get("/api/v1/auth/me").json()["username"] == "bob"
    assert elsewhere.get("/api/v1/auth/me").json()["auth"] == "anonymous"
    assert _bearer(server, key).get("/api/v1/auth/me").json()["username"] == "bob"
    assert _login(server, *BOB).status_code == 401
    assert _login(server, "bob", "bob-second-password").status_code == 200
    # with an API key (no session to keep), every session ends
    other = session(server, "bob", "bob-second-password")
    by_key = _bearer(server, key).post(
        "/api/v1/auth/password",
        json={"current_password": "bob-second-password", "new_password": "bob-third-password"},
    )
    assert by_key.status_code == 204
    assert other.get("/api/v1/auth/me").json()["auth"] == "anonymous"


def test_teams_list_members_and_keep_an_admin(server: ServerProcess, admin: httpx.Client) -> None:
    create_user(admin, *BOB)
    create_user(admin, "alice", "alice-password")
    alice = session(server, "alice", "alice-password")
    bob = session(server, *BOB)
    assert alice.post("/api/v1/teams", json={"name": "lab"}).status_code == 201
    assert admin.post("/api/v1/teams", json={"name": "other"}).status_code == 201

    assert alice.get("/api/v1/teams").json() == [
        {
            "name": "lab",
            "created_at": alice.get("/api/v1/teams").json()[0]["created_at"],
            "members": [{"username": "alice", "role": "admin"}],
        }
    ]
    assert bob.get("/api/v1/teams").json() == []
    assert [t["name"] for t in admin.get("/api/v1/teams").json()] == ["lab", "other"]

    assert alice.put("/api/v1/teams/lab/members/bob", json={"role": "member"}).status_code == 204
    teams = bob.get("/api/v1/teams").json()
    assert teams[0]["members"] == [
        {"username": "alice", "role": "admin"},
        {"username": "bob", "role": "member"},
    ]
    # a member may not change members
    assert bob.put("/api/v1/teams/lab/members/bob", json={"role": "admin"}).status_code == 403
    assert bob.delete("/api/v1/teams/lab/members/alice").status_code == 403
    # the last admin stays
    demote = alice.put("/api/v1/teams/lab/members/alice", json={"role": "member"})
    assert demote.status_code == 409
    assert "last admin" in demote.json()["detail"]
    assert alice.delete("/api/v1/teams/lab/members/alice").status_code == 409
    # an admin of the server manages any team
    assert admin.put("/api/v1/teams/lab/members/bob", json={"role": "admin"}).status_code == 204
    assert alice.put("/api/v1/teams/lab/members/alice", json={"role": "viewer"}).status_code == 204
    assert bob.delete("/api/v1/teams/lab/members/alice").status_code == 204
    assert bob.delete("/api/v1/teams/lab/members/alice").status_code == 404
    assert [m["username"] for m in bob.get("/api/v1/teams").json()[0]["members"]] == ["bob"]
    assert admin.delete("/api/v1/teams/nope/members/bob").status_code == 404
    bad_role = admin.put("/api/v1/teams/lab/members/alice", json={"role": "owner"})
    assert bad_role.status_code == 422


def test_project_members_are_listed_changed_and_removed(
    server: ServerProcess, admin: httpx.Client
) -> None:
    create_user(admin, "alice", "alice-password")
    writer = _bearer(server, _api_key(admin))
    post_batch(
        writer,
        [history_record([(0, 1.0, {"a": 1.0})])],
        0,
        new_stream(),
        entity="root",
        project="secret",
    )
    alice = session(server, "alice", "alice-password")
    members = "/api/v1/projects/root/secret/members"
    assert alice.get(members).status_code == 404  # private: not even there for her
    assert admin.get(members).json() == []

    assert admin.put(f"{members}/alice", json={"role": "viewer"}).status_code == 204
    assert admin.get(members).json() == [{"username": "alice", "role": "viewer"}]
    assert alice.get("/api/v1/projects/root/secret").json()["role"] == "viewer"
    refused = alice.get(members)
    assert refused.status_code == 403
    assert alice.put(f"{members}/alice", json={"role": "admin"}).status_code == 403

    assert admin.put(f"{members}/alice", json={"role": "admin"}).status_code == 204
    assert alice.get(members).json() == [{"username": "alice", "role": "admin"}]
    assert (
        alice.patch("/api/v1/projects/root/secret", json={"visibility": "team"}).json()[
            "visibility"
        ]
        == "team"
    )

    assert admin.delete(f"{members}/alice").status_code == 204
    assert alice.get("/api/v1/projects/root/secret").status_code == 404
    assert admin.delete(f"{members}/alice").status_code == 404
    assert admin.put(f"{members}/ghost", json={"role": "viewer"}).status_code == 404
