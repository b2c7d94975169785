"""The model registry over HTTP against a real server (SQLite and PostgreSQL): models, links
from artifact versions logged by real ingest batches, aliases, unlinks, the audit trail; roles
on a server that requires login (viewers read and cannot move ``production``), and sources in
projects a caller cannot read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, session, start_auth_server
from tests.integration.test_artifacts_api import entries_of, log_artifact, version_of
from tests.serverproc import ServerProcess

REG = "/api/v1/registry/team"


@pytest.fixture
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        yield c


def test_register_link_alias_unlink_and_audit(client: httpx.Client) -> None:
    for content in (b"w0", b"w1"):
        log_artifact(client, "net", entries_of(client, {"w.bin": content}), type_="model")
    made = client.post(REG, json={"name": "clf", "description": "cats", "tags": ["vision"]})
    assert made.status_code == 201, made.text
    assert made.json()["path"] == "team/clf"
    assert client.post(REG, json={"name": "clf"}).status_code == 409
    assert client.post(REG, json={"name": "a/b"}).status_code in (400, 422)

    link = client.post(f"{REG}/clf/versions", json={"artifact": "team/proj/net:v0",
                                                     "aliases": ["staging"]})  # fmt: skip
    assert link.status_code == 201, link.text
    v0 = link.json()
    assert (v0["version"], v0["path"], v0["aliases"]) == ("v0", "team/clf:v0", ["staging"])
    assert (v0["source_status"], v0["source_path"]) == ("visible", "team/proj/net:v0")
    assert v0["source"]["digest"] == v0["digest"]
    again = client.post(f"{REG}/clf/versions", json={"artifact": "team/proj/net:v0"})
    assert (again.status_code, again.json()["version"]) == (200, "v0")
    # without a version: latest; into a model not registered yet: registered now
    v1 = client.post(f"{REG}/clf/versions", json={"artifact": "team/proj/net"}).json()
    assert v1["source_path"] == "team/proj/net:v1"
    other = client.post(f"{REG}/ranker/versions", json={"artifact": "team/proj/net:v1"})
    assert other.status_code == 201
    for bad, code in (("team/proj/nothing:v0", 404), ("team/nope/net:v0", 404),
                      ("team/proj", 400), ("team/proj/net:../x", 400)):  # fmt: skip
        assert client.post(f"{REG}/clf/versions", json={"artifact": bad}).status_code == code

    moved = client.put(f"{REG}/clf/aliases/production", json={"version": "v1"})
    assert (moved.status_code, moved.json()["aliases"]) == (200, ["production"])
    assert client.put(f"{REG}/clf/aliases/v7", json={"version": "v1"}).status_code == 400
    assert client.put(f"{REG}/clf/aliases/latest", json={"version": "v1"}).status_code == 400
    assert client.put(f"{REG}/clf/aliases/x", json={"version": "v9"}).status_code == 404
    assert client.get(f"{REG}/clf/versions/production").json()["version"] == "v1"
    model = client.get(f"{REG}/clf").json()
    assert (model["versions"], model["aliases"]) == (2, {"production": "v1", "staging": "v0"})
    assert client.delete(f"{REG}/clf/aliases/staging").status_code == 204
    assert client.delete(f"{REG}/clf/aliases/staging").status_code == 404

    listed = client.get(f"{REG}/clf/versions", params={"limit": 1}).json()
    assert ([v["version"] for v in listed["versions"]], listed["next"]) == (["v1"], "v1")
    rest = client.get(f"{REG}/clf/versions", params={"after": "v1"}).json()
    assert [v["version"] for v in rest["versions"]] == ["v0"]
    models = client.get(REG).json()
    assert [m["name"] for m in models["models"]] == ["clf", "ranker"]
    assert client.get(REG, params={"q": "RANK"}).json()["models"][0]["name"] == "ranker"

    edited = client.patch(f"{REG}/clf", json={"tags": ["a", "b"]})
    assert (edited.json()["tags"], edited.json()["description"]) == (["a", "b"], "cats")
    assert client.delete(f"{REG}/clf/versions/v0").status_code == 204
    assert client.get(f"{REG}/clf/versions/v0").status_code == 404
    actions = [e["action"] for e in client.get(f"{REG}/clf/audit").json()["events"]]
    assert actions == ["created", "linked", "alias_moved", "linked", "alias_moved",
                       "alias_removed", "edited", "unlinked"]  # fmt: skip
    first = client.get(f"{REG}/clf/audit", params={"limit": 2}).json()
    tail = client.get(f"{REG}/clf/audit", params={"after": first["next"]}).json()["events"]
    assert len(tail) == 6
    assert client.delete(f"{REG}/ranker").status_code == 204
    assert client.get(f"{REG}/ranker").status_code == 404
    assert client.get("/api/v1/registry/nobody").status_code == 404
    assert "/api/v1/registry/{entity}/{model}/versions" in client.get("/api/openapi.json").json()[
        "paths"]  # fmt: skip


@pytest.fixture
def auth_server(tmp_path: Path, db_url: str) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "auth-data", db_url=db_url)
    try:
        yield proc
    finally:
        proc.stop()


def test_roles_and_hidden_sources(auth_server: ServerProcess) -> None:
    root = session(auth_server, *ADMIN)
    for name in ("mia", "val", "eve"):
        made = root.post("/api/v1/users", json={"username": name, "password": "password-1"})
        assert made.is_success, made.text
    assert root.post("/api/v1/teams", json={"name": "lab"}).status_code == 201
    for name, role in (("mia", "member"), ("val", "viewer")):
        assert root.put(f"/api/v1/teams/lab/members/{name}", json={"role": role}).is_success
    model = entries_of(root, {"w.bin": b"weights"})
    assert version_of(log_artifact(root, "net", model, entity="lab", type_="model")) == "v0"
    assert root.patch("/api/v1/projects/lab/proj", json={"visibility": "team"}).is_success
    secret = entries_of(root, {"w.bin": b"root's own"})
    assert version_of(log_artifact(root, "mine", secret, entity="root", type_="model")) == "v0"
    mia, val, eve = (session(auth_server, n, "password-1") for n in ("mia", "val", "eve"))
    reg = "/api/v1/registry/lab"

    # members link and move aliases; viewers read, and may not move production
    linked = mia.post(f"{reg}/clf/versions", json={"artifact": "lab/proj/net:v0",
                                                    "aliases": ["production"]})  # fmt: skip
    assert linked.status_code == 201, linked.text
    assert linked.json()["linked_by"] == "mia"
    assert val.get(f"{reg}/clf").json()["aliases"] == {"production": "v0"}
    assert val.get(f"{reg}/clf/versions/production").json()["source_status"] == "visible"
    denied = val.put(f"{reg}/clf/aliases/production", json={"version": "v0"})
    assert denied.status_code == 403
    assert "viewer" in denied.json()["detail"]
    assert val.delete(f"{reg}/clf/aliases/production").status_code == 403
    assert val.post(f"{reg}/clf/versions", json={"artifact": "lab/proj/net:v0"}).status_code == 403
    assert val.post(reg, json={"name": "x"}).status_code == 403
    assert val.patch(f"{reg}/clf", json={"tags": []}).status_code == 403
    assert val.delete(f"{reg}/clf").status_code == 403
    # a member cannot link what they cannot read (root's private project)
    assert mia.post(f"{reg}/clf/versions", json={"artifact": "root/proj/mine:v0"}).status_code \
        == 404  # fmt: skip
    # linked by an admin, it shows to the team without its source
    assert root.post(f"{reg}/clf/versions", json={"artifact": "root/proj/mine:v0"}).is_success
    hidden = val.get(f"{reg}/clf/versions/v1").json()
    assert (hidden["source_status"], hidden["source_path"], hidden["source"]) == (
        "hidden", None, None
    )  # fmt: skip
    assert root.get(f"{reg}/clf/versions/v1").json()["source_path"] == "root/proj/mine:v0"
    assert [e["actor"] for e in val.get(f"{reg}/clf/audit").json()["events"]] == [
        "mia", "mia", "mia", "root"
    ]  # fmt: skip
    # outsiders see nothing; anonymous callers are told to sign in
    assert eve.get(f"{reg}/clf").status_code == 404
    assert eve.get(reg).status_code == 404
    assert eve.put(f"{reg}/clf/aliases/production", json={"version": "v0"}).status_code == 404
    assert httpx.get(f"{auth_server.base_url}{reg}", timeout=30).status_code == 401
    # a user's own entity is theirs
    assert eve.post("/api/v1/registry/eve", json={"name": "mine"}).status_code == 201
