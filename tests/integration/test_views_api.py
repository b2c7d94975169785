"""Workspace layouts per user and named views shared by link, on a server that requires login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

PROJECT = "/api/v1/projects/lab/proj"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data")
    try:
        yield proc
    finally:
        proc.stop()


def _session(server: ServerProcess, username: str, password: str) -> httpx.Client:
    client, csrf = login(server, username, password)
    client.headers["X-CSRF-Token"] = csrf
    return client


@pytest.fixture
def people(server: ServerProcess) -> dict[str, httpx.Client]:
    root = _session(server, *ADMIN)
    for name in ("ann", "ben", "vic"):
        assert root.post(
            "/api/v1/users", json={"username": name, "password": "password-1"}
        ).is_success
    assert root.post("/api/v1/teams", json={"name": "lab"}).status_code == 201
    for name, role in (("ann", "member"), ("ben", "member"), ("vic", "viewer")):
        put = root.put(f"/api/v1/teams/lab/members/{name}", json={"role": role})
        assert put.status_code == 204, put.text
    assert post_batch(root, [["run", {}]], 0, new_stream(), entity="lab").status_code == 200
    assert root.patch(PROJECT, json={"visibility": "team"}).status_code == 200
    clients = {name: _session(server, name, "password-1") for name in ("ann", "ben", "vic")}
    return {"root": root, **clients}


def test_each_user_keeps_a_layout_of_their_own(people: dict[str, httpx.Client]) -> None:
    ann, ben, vic = people["ann"], people["ben"], people["vic"]
    assert ann.get(f"{PROJECT}/workspace").json() == {
        "layout": None,
        "updated_at": None,
        "source": None,
    }
    default = ann.put(f"{PROJECT}/workspace/default", json={"layout": {"panels": ["default"]}})
    assert default.json()["source"] == "project"
    assert ann.put(f"{PROJECT}/workspace", json={"layout": {"panels": ["ann"]}}).is_success
    saved_by_viewer = vic.put(f"{PROJECT}/workspace", json={"layout": {"panels": ["vic"]}})
    assert saved_by_viewer.json()["source"] == "user"  # readers arrange their own view
    assert ann.get(f"{PROJECT}/workspace").json()["layout"] == {"panels": ["ann"]}
    assert vic.get(f"{PROJECT}/workspace").json()["layout"] == {"panels": ["vic"]}
    assert ben.get(f"{PROJECT}/workspace").json()["layout"] == {"panels": ["default"]}
    assert ben.get(f"{PROJECT}/workspace").json()["source"] == "project"
    refused = vic.put(f"{PROJECT}/workspace/default", json={"layout": {}})
    assert refused.status_code == 403
    assert ann.delete(f"{PROJECT}/workspace").status_code == 204
    assert ann.get(f"{PROJECT}/workspace").json()["layout"] == {"panels": ["default"]}


def test_named_views_are_shared_with_the_project(people: dict[str, httpx.Client]) -> None:
    ann, ben, vic = people["ann"], people["ben"], people["vic"]
    created = ann.post(f"{PROJECT}/views", json={"name": "loss", "layout": {"panels": ["loss"]}})
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["created_by"] == "ann"
    link = f"{PROJECT}/views/{view['id']}"
    assert vic.get(link).json()["layout"] == {"panels": ["loss"]}  # a viewer opens the link
    assert [v["name"] for v in ben.get(f"{PROJECT}/views").json()["views"]] == ["loss"]
    assert ben.get(f"{PROJECT}/views").json()["views"][0]["layout"] is None
    assert vic.post(f"{PROJECT}/views", json={"name": "x", "layout": {}}).status_code == 403
    assert vic.patch(link, json={"name": "mine"}).status_code == 403
    clash = ben.post(f"{PROJECT}/views", json={"name": "loss", "layout": {}})
    assert clash.status_code == 409
    assert "already has a view named" in clash.json()["detail"]
    edited = ben.patch(link, json={"layout": {"panels": ["loss", "lr"]}})
    assert edited.json()["layout"] == {"panels": ["loss", "lr"]}
    assert ben.delete(link).status_code == 204
    assert vic.get(link).status_code == 404
    outsider = httpx.Client(base_url=str(ann.base_url))
    assert outsider.get(f"{PROJECT}/views").status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "", "layout": {}}, 422),
        ({"name": "   ", "layout": {}}, 422),
        ({"name": "big", "layout": {"x": "a" * 600_000}}, 400),
        ({"name": "no layout"}, 422),
    ],
)
def test_bad_views_are_refused(people: dict[str, httpx.Client], body: dict, status: int) -> None:
    answer = people["ann"].post(f"{PROJECT}/views", json=body)
    assert answer.status_code == status, answer.text
    assert people["ann"].get(f"{PROJECT}/views").json()["views"] == []
