"""Alerts and plain values over HTTP with a real server (SQLite and PostgreSQL): what the SDK
sends is stored, listed, paged, kept apart from media, and refused clearly when malformed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

RUN = "/api/v1/runs/team/proj/run00001"


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30)


def _alert(title: str, level: str = "INFO") -> list[object]:
    return ["alert", {"title": title, "text": f"text of {title}", "level": level, "time": 7.0,
                      "wait_s": 60.0}]  # fmt: skip


def test_alerts_are_stored_listed_and_paged(client: httpx.Client) -> None:
    records = [_alert(f"a{i}", ("INFO", "WARN", "ERROR")[i % 3]) for i in range(5)]
    answer = post_batch(client, [["run", {"name": "r"}], *records], 0, new_stream()).json()
    assert answer["rejected"] == []
    first = client.get(f"{RUN}/alerts", params={"limit": 3}).json()
    assert [a["title"] for a in first["alerts"]] == ["a0", "a1", "a2"]
    second = first["alerts"][1]
    assert second == {"seq": second["seq"], "time": 7.0, "title": "a1", "text": "text of a1",
                      "level": "WARN", "wait_s": 60.0}  # fmt: skip
    rest = client.get(f"{RUN}/alerts", params={"after": first["next_after"], "limit": 3}).json()
    assert [a["title"] for a in rest["alerts"]] == ["a3", "a4"]
    assert rest["next_after"] is None
    assert client.get("/api/v1/runs/team/proj/nope0000/alerts").status_code == 404
    assert client.get(f"{RUN}/alerts", params={"limit": 0}).status_code == 422


def test_a_malformed_alert_is_rejected_alone_with_a_reason(client: httpx.Client) -> None:
    records = [_alert("fine"), ["alert", {"title": "", "text": "x", "level": "INFO", "time": 1.0}]]
    answer = post_batch(client, records, 0, new_stream()).json()
    assert [(r["kind"], "title" in r["error"]) for r in answer["rejected"]] == [("alert", True)]
    assert [a["title"] for a in client.get(f"{RUN}/alerts").json()["alerts"]] == ["fine"]


def test_plain_values_have_their_own_key_list(client: httpx.Client) -> None:
    image = {"_type": "image-file", "path": "media/images/x.png", "sha256": "0" * 64, "size": 1}
    records = [
        ["values", {"step": 0, "time": 1.0, "values": {"phase": "warmup", "img": image}}],
        ["values", {"step": 4, "time": 2.0, "values": {"phase": "train", "cfg": {"a": 1}}}],
    ]
    assert post_batch(client, records, 0, new_stream()).json()["rejected"] == []
    keys = client.get(f"{RUN}/keys").json()
    assert keys["values"] == [
        {"key": "cfg", "type": "object", "count": 1, "step_min": 4, "step_max": 4},
        {"key": "phase", "type": "string", "count": 2, "step_min": 0, "step_max": 4},
    ]
    assert [m["key"] for m in keys["media"]] == ["img"]
    page = client.get(f"{RUN}/values", params={"key": "phase"}).json()
    assert [(v["step"], v["value"]) for v in page["values"]] == [(0, "warmup"), (4, "train")]


def test_alerts_are_read_with_the_run_project_access(tmp_path: Path) -> None:
    server = start_auth_server(tmp_path / "auth")
    try:
        admin, csrf = login(server, *ADMIN)
        headers = {"X-CSRF-Token": csrf}
        user = {"username": "alice", "password": "alice-password"}
        assert admin.post("/api/v1/users", json=user, headers=headers).status_code == 201
        key = admin.post("/api/v1/api-keys", json={"name": "w"}, headers=headers).json()["key"]
        writer = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"})
        post_batch(writer, [_alert("secret")], 0, new_stream(), entity="root")
        run = "/api/v1/runs/root/proj/run00001/alerts"
        assert [a["title"] for a in admin.get(run).json()["alerts"]] == ["secret"]
        alice, _ = login(server, "alice", "alice-password")
        assert alice.get(run).status_code == 404
        assert httpx.get(f"{server.base_url}{run}").status_code == 401
    finally:
        server.stop()
