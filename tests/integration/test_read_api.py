"""The read API over HTTP: runs listing with filters/order/cursors, history windows, edits."""

from __future__ import annotations

import httpx
import pytest

from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch

RUNS = "/api/v1/projects/team/proj/runs"


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    for i in range(12):
        records = [
            ["run", {"config": {"lr": i / 100, "opt": ["adam", "sgd", "lion"][i % 3]},
                     "tags": ["even" if i % 2 == 0 else "odd"]}],
            history_record([(s, 1.0 + s, {"loss": 10.0 - s - i}) for s in range(30)]),
            ["summary", {"set": {"acc": i / 12}}] if i != 5 else ["heartbeat", {"time": 1.0}],
        ]  # fmt: skip
        post_batch(client, records, 0, new_stream(), run_id=f"run{i:05d}")
    return client


def _ids(page: dict) -> list[str]:
    return [run["id"] for run in page["runs"]]


def test_filter_order_and_keyset_pages(client: httpx.Client) -> None:
    first = client.get(
        RUNS, params={"filters": '{"config.opt": "adam"}', "order": "-summary.acc", "limit": 2}
    ).json()
    assert _ids(first) == ["run00009", "run00006"]
    second = client.get(
        RUNS,
        params={
            "filters": '{"config.opt": "adam"}',
            "order": "-summary.acc",
            "limit": 2,
            "cursor": first["next_cursor"],
        },
    ).json()
    assert _ids(second) == ["run00003", "run00000"]
    assert second["next_cursor"] is None


def test_text_expression_and_missing_keys_sort_last(client: httpx.Client) -> None:
    page = client.get(
        RUNS, params={"expression": "config.lr >= 0.04 and tags in [odd]", "order": "summary.acc"}
    ).json()
    assert _ids(page) == ["run00007", "run00009", "run00011", "run00005"]


def test_offset_window_has_a_total_and_keys_trim_the_payload(client: httpx.Client) -> None:
    page = client.post(
        RUNS + "/query", json={"offset": 10, "limit": 5, "order": "id", "keys": ["config.lr"]}
    ).json()
    assert page["total"] == 12
    assert _ids(page) == ["run00010", "run00011"]
    assert page["runs"][0]["config"] == {"lr": 0.1}
    assert page["runs"][0]["summary"] == {}


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"filters": "{not json"}, "not valid JSON"),
        ({"filters": '{"config.lr": {"$bogus": 1}}'}, "$bogus"),
        ({"expression": "config.lr >"}, "column"),
        ({"order": "-tags"}, "sorted by tags"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_queries_get_400_with_a_message(
    client: httpx.Client, params: dict, needle: str
) -> None:
    response = client.get(RUNS, params=params)
    assert response.status_code == 400
    assert needle in response.json()["detail"]


def test_history_window_for_many_runs(client: httpx.Client) -> None:
    body = {
        "runs": ["team/proj/run00000", "team/proj/run00001"],
        "keys": ["loss", "nope"],
        "buckets": 10,
    }
    series = client.post("/api/v1/history", json=body).json()["series"]
    assert [(s["run"], s["key"], s["mode"]) for s in series] == [
        ("team/proj/run00000", "loss", "buckets"),
        ("team/proj/run00001", "loss", "buckets"),
    ]
    assert sum(series[0]["count"]) == 30
    exact = client.get(
        "/api/v1/runs/team/proj/run00001/history", params={"keys": "loss", "x_min": 5, "x_max": 7}
    ).json()
    assert exact["series"][0]["x"] == [5, 6, 7]
    assert exact["series"][0]["last"] == [4.0, 3.0, 2.0]


def test_edit_move_and_delete_a_run(client: httpx.Client) -> None:
    run = "/api/v1/runs/team/proj/run00001"
    edited = client.patch(
        run, json={"name": "renamed", "tags": ["best"], "notes": "<b>hi</b>"}
    ).json()
    assert (edited["name"], edited["tags"], edited["notes"]) == ("renamed", ["best"], "<b>hi</b>")
    assert _ids(client.get(RUNS, params={"filters": '{"tags": {"$in": ["best"]}}'}).json()) == [
        "run00001"
    ]
    moved = client.patch(run, json={"project": "archive"}).json()
    assert moved["path"] == "team/archive/run00001"
    assert client.get(run).status_code == 404
    assert client.delete("/api/v1/runs/team/archive/run00001").status_code == 204
    assert client.get("/api/v1/runs/team/archive/run00001").status_code == 404


def test_a_running_run_can_be_ended_by_hand_once(client: httpx.Client) -> None:
    run = "/api/v1/runs/team/proj/run00002"
    lone_code = client.patch(run, json={"exit_code": 3})
    assert lone_code.status_code == 400
    assert "together with the state" in lone_code.json()["detail"]
    assert client.patch(run, json={"state": "running"}).status_code == 422
    ended = client.patch(run, json={"state": "failed", "exit_code": 3}).json()
    assert (ended["state"], ended["exit_code"]) == ("failed", 3)
    assert ended["finished_at"] is not None
    again = client.patch(run, json={"state": "finished"})
    assert again.status_code == 409
    assert "already ended (failed)" in again.json()["detail"]
    assert client.get(run).json()["state"] == "failed"


def test_console_and_export(client: httpx.Client) -> None:
    stream = new_stream()
    records = [
        ["console", {"stream": "stdout", "lines": ["a", "b"], "time": 1.0}],
        ["console", {"stream": "stderr", "lines": ["c"], "time": 2.0}],
    ]
    post_batch(client, records, 0, stream, run_id="run00000")
    page = client.get(
        "/api/v1/runs/team/proj/run00000/console", params={"start": 1, "limit": 5}
    ).json()
    assert page["total"] == 3
    assert [(line["line"], line["stream"], line["text"]) for line in page["lines"]] == [
        (1, "stdout", "b"),
        (2, "stderr", "c"),
    ]
    csv = client.get("/api/v1/runs/team/proj/run00000/series/loss/export").text.splitlines()
    assert csv[0] == "step,time,value"
    assert len(csv) == 31
    assert csv[1] == "0,1.0,10.0"


def test_history_against_another_key(client: httpx.Client) -> None:
    rows = [(s, 1.0, {"epoch": s // 10, "acc": s / 100}) for s in range(100)]
    rows += [(s, 1.0, {"acc": s / 100}) for s in range(100, 110)]  # no epoch: left out
    post_batch(client, [history_record(rows)], 0, new_stream(), run_id="xkey0001")
    url = "/api/v1/runs/team/proj/xkey0001/history"
    exact = client.get(url, params={"keys": "acc", "x_key": "epoch", "buckets": 1000}).json()
    (series,) = exact["series"]
    assert series["mode"] == "exact"
    assert len(series["x"]) == 100
    assert series["x"][:11] == [0.0] * 10 + [1.0]
    zoom = client.get(url, params={"keys": "acc", "x_key": "epoch", "x_min": 3, "x_max": 4}).json()
    assert zoom["series"][0]["x"] == [3.0] * 10 + [4.0] * 10
    assert zoom["series"][0]["last"][0] == 0.3
    coarse = client.get(url, params={"keys": "acc", "x_key": "epoch", "buckets": 5}).json()
    series = coarse["series"][0]
    assert series["mode"] == "buckets"
    assert series["x"] == sorted(series["x"])
    assert sum(series["count"]) <= 110
    missing = client.get(url, params={"keys": "acc", "x_key": "nope"}).json()
    assert missing["series"] == []
