"""Automations against a real server and a real local HTTP receiver (SQLite and PostgreSQL):
signed webhook payloads for registry events, retries after a 500 with the attempts logged,
Slack messages, metric thresholds from ingested summaries, secrets that no answer (nor the
database file) ever shows, and the guard against calling private addresses."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn.wire.records import summary_record
from tests.integration.test_artifacts_api import entries_of, log_artifact
from tests.receiver import receiver
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

AUTO = "/api/v1/automations/team"
REG = "/api/v1/registry/team"
SECRET = "s3cret-hmac-key-for-tests"
FAST = {"CAIRN_SERVER_WEBHOOK_BACKOFF_S": "0.2,0.2", "CAIRN_SERVER_WEBHOOK_POLL_S": "0.1"}


def start(data: Path, db_url: str, *, allow_private: bool = True) -> ServerProcess:
    extra = ["--allow-private-webhooks"] if allow_private else []
    return start_server(data, db_url=db_url, extra_args=extra, env=FAST)


@pytest.fixture
def hooks_server(tmp_path: Path, db_url: str) -> Iterator[ServerProcess]:
    proc = start(tmp_path / "data", db_url)
    try:
        yield proc
    finally:
        proc.stop()


def seed(client: httpx.Client) -> None:
    """The entity ``team`` (with team/proj and its run), as a first batch makes them."""
    assert post_batch(client, [], 0, new_stream()).status_code == 200


@pytest.fixture
def client(hooks_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hooks_server.base_url, timeout=30) as c:
        seed(c)
        yield c


def deliveries(client: httpx.Client, name: str) -> list[dict[str, Any]]:
    answer = client.get(f"{AUTO}/{name}/deliveries")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["deliveries"])


def wait_final(client: httpx.Client, name: str, count: int) -> list[dict[str, Any]]:
    """The automation's attempts once ``count`` of them are finished (newest first)."""
    import time

    deadline = time.monotonic() + 60
    while True:
        found = deliveries(client, name)
        if len([d for d in found if d["state"] != "pending"]) >= count:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def test_alias_move_is_signed_and_retried(client: httpx.Client, db_url: str) -> None:
    log_artifact(client, "net", entries_of(client, {"w.bin": b"w0"}), type_="model")
    with receiver(answers=[500]) as hook:
        made = client.post(AUTO, json={
            "name": "prod", "event": "alias_moved", "filter": {"model": "clf",
                                                               "alias": "production"},
            "action": "webhook", "url": f"{hook.url}/deploy", "secret": SECRET,
        })  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["secret"] == {"set": True}
        linked = client.post(f"{REG}/clf/versions", json={"artifact": "team/proj/net:v0",
                                                          "aliases": ["staging"]})  # fmt: skip
        assert linked.status_code == 201
        assert client.put(f"{REG}/clf/aliases/production", json={"version": "v0"}).is_success
        first, second = hook.wait_for(2)
    # the receiver answered 500, then 200: the same event, retried, each attempt logged
    assert first.body == second.body
    assert first.path == "/deploy"
    for got in (first, second):
        expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(got.headers["X-Cairn-Signature"], expected)
        assert got.headers["X-Cairn-Event"] == "alias_moved"
        assert got.headers["Content-Type"] == "application/json"
    payload = json.loads(first.body)
    assert first.headers["X-Cairn-Delivery"] == payload["id"]
    assert (payload["event"], payload["entity"], payload["automation"]) == (
        "alias_moved", "team", "prod"
    )  # fmt: skip
    data = payload["data"]
    assert (data["alias"], data["version"], data["previous"]) == ("production", "v0", None)
    assert (data["path"], data["source"]) == ("team/clf:v0", "team/proj/net:v0")
    assert data["model"] == {"entity": "team", "name": "clf", "path": "team/clf"}
    log = wait_final(client, "prod", 2)
    assert [(d["attempt"], d["state"], d["status_code"]) for d in log] == [
        (2, "delivered", 200), (1, "failed", 500)
    ]  # fmt: skip
    assert log[1]["response"] == "answer 500"
    assert log[1]["next_attempt_at"] is not None
    assert log[0]["event_id"] == log[1]["event_id"] == payload["id"]
    # the staging move matched no automation: nothing else was sent
    assert len(hook.got) == 2


def test_gives_up_after_the_last_attempt_and_not_on_a_4xx(client: httpx.Client) -> None:
    with receiver(answers=[503, 503, 503, 404]) as hook:
        spec = {"name": "down", "event": "version_linked", "action": "webhook", "url": hook.url}
        assert client.post(AUTO, json=spec).status_code == 201
        assert client.post(f"{AUTO}/down/test").status_code == 202
        hook.wait_for(3)
        log = wait_final(client, "down", 3)
        assert [(d["attempt"], d["state"], d["next_attempt_at"] is None) for d in log] == [
            (3, "failed", True), (2, "failed", False), (1, "failed", False)
        ]  # fmt: skip
        assert "X-Cairn-Signature" not in hook.got[0].headers  # no secret: unsigned
        assert json.loads(hook.got[0].body)["event"] == "test"
        assert client.post(f"{AUTO}/down/test").status_code == 202
        hook.wait_for(4)
        log = wait_final(client, "down", 4)
        assert (log[0]["status_code"], log[0]["next_attempt_at"]) == (404, None)


def test_slack_threshold_and_artifact_events(client: httpx.Client) -> None:
    with receiver() as hook:
        rule = {"project": "proj", "metric": "acc", "op": ">=", "threshold": 0.9}
        slack = client.post(AUTO, json={"name": "chat", "event": "run_metric_threshold",
                                         "filter": rule, "action": "slack",
                                         "slack_url": f"{hook.url}/slack"})  # fmt: skip
        assert slack.status_code == 201, slack.text
        assert (slack.json()["url"], slack.json()["secret"]) == (None, {"set": True})
        data = client.post(AUTO, json={"name": "data", "event": "artifact_version_created",
                                        "filter": {"type": "dataset"}, "action": "webhook",
                                        "url": f"{hook.url}/data"})  # fmt: skip
        assert data.status_code == 201
        stream = new_stream()
        for offset, value in enumerate((0.5, 0.95, 0.97)):
            sent = post_batch(client, [list(summary_record({"acc": value}))], offset, stream)
            assert sent.status_code == 200, sent.text
        log_artifact(client, "mnist", entries_of(client, {"a.csv": b"1,2"}))
        log_artifact(client, "net", entries_of(client, {"w": b"w"}), type_="model")
        got = hook.wait_for(2)
    by_path = {g.path: json.loads(g.body) for g in got}
    assert set(by_path) == {"/slack", "/data"}
    text = by_path["/slack"]["text"]
    assert "team/proj/run00001" in text
    assert "acc = 0.95" in text
    assert by_path["/data"]["data"]["artifact"]["path"] == "team/proj/mnist:v0"
    assert len(hook.got) == 2  # 0.97 stayed above the threshold; the model is no dataset


def test_secrets_never_come_back(client: httpx.Client, db_url: str, tmp_path: Path) -> None:
    slack_url = "http://127.0.0.1:9/services/T000/B000/very-secret-token"
    answers = [
        client.post(AUTO, json={"name": "hook", "event": "version_linked", "action": "webhook",
                                "url": "http://127.0.0.1:9/x", "secret": SECRET}),
        client.post(AUTO, json={"name": "chat", "event": "alias_moved", "action": "slack",
                                "slack_url": slack_url}),
        client.get(AUTO),
        client.get(f"{AUTO}/hook"),
        client.patch(f"{AUTO}/hook", json={"enabled": False}),
        client.patch(f"{AUTO}/chat", json={"slack_url": slack_url + "2"}),
        client.post(f"{AUTO}/chat/test"),
        client.get(f"{AUTO}/chat/deliveries"),
        client.get("/api/openapi.json"),
    ]  # fmt: skip
    for answer in answers:
        assert answer.is_success, answer.text
        assert SECRET not in answer.text
        assert "very-secret-token" not in answer.text
    hook = client.get(f"{AUTO}/hook").json()
    assert (hook["secret"], hook["enabled"]) == ({"set": True}, False)
    cleared = client.patch(f"{AUTO}/hook", json={"secret": None}).json()
    assert cleared["secret"] == {"set": False}
    if db_url.startswith("sqlite"):
        raw = (tmp_path / "cairn.db").read_bytes()
        assert SECRET.encode() not in raw
        assert b"very-secret-token" not in raw
    key = tmp_path / "data" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    # bad input is a 4xx naming what is wrong
    bad = client.post(AUTO, json={"name": "x", "event": "run_metric_threshold",
                                  "filter": {"metric": "acc"}, "action": "webhook",
                                  "url": "http://127.0.0.1:9/x"})  # fmt: skip
    assert bad.status_code == 400
    assert "threshold" in bad.json()["detail"]
    assert client.post(AUTO, json={"name": "hook", "event": "version_linked",
                                   "action": "webhook", "url": "http://127.0.0.1:9/x"}
                       ).status_code == 409  # fmt: skip
    assert client.delete(f"{AUTO}/hook").status_code == 204
    assert client.get(f"{AUTO}/hook").status_code == 404


def test_private_addresses_are_refused_without_the_flag(tmp_path: Path, db_url: str) -> None:
    with receiver() as hook:
        # made while private addresses were allowed ...
        allowed = start(tmp_path / "data", db_url)
        try:
            seed(httpx.Client(base_url=allowed.base_url, timeout=30))
            made = httpx.post(f"{allowed.base_url}{AUTO}", timeout=30, json={
                "name": "local", "event": "version_linked", "action": "webhook", "url": hook.url,
                "secret": SECRET})  # fmt: skip
            assert made.status_code == 201, made.text
        finally:
            allowed.stop()
        guarded = start(tmp_path / "data", db_url, allow_private=False)
        try:
            with httpx.Client(base_url=guarded.base_url, timeout=30) as client:
                private = (
                    hook.url,
                    "http://169.254.169.254/latest/meta-data",
                    "http://10.0.0.1/",
                    "http://[::1]:9/",
                    "http://localhost:9/",
                )
                for url in private:
                    refused = client.post(AUTO, json={"name": f"n{os.urandom(3).hex()}",
                                                      "event": "version_linked",
                                                      "action": "webhook", "url": url})  # fmt: skip
                    assert refused.status_code == 400, url
                    assert "--allow-private-webhooks" in refused.json()["detail"]
                # ... a delivery to it is refused when sent (the key survived the restart)
                assert client.post(f"{AUTO}/local/test").status_code == 202
                attempt = wait_final(client, "local", 1)[-1]
                assert attempt["state"] == "failed"
                assert "--allow-private-webhooks" in attempt["error"]
                assert attempt["next_attempt_at"] is not None
        finally:
            guarded.stop()
    assert hook.got == []
