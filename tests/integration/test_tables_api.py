"""Logged tables queried over HTTP against a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import httpx
import orjson
import pytest

from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

RUN = "/api/v1/runs/team/proj"
PROJECT = "/api/v1/projects/team/proj"
IMG_SHA = hashlib.sha256(b"png bytes").hexdigest()
IMG = {"_type": "image-file", "path": "media/images/i.png", "sha256": IMG_SHA, "size": 9}


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=60)


def put_file(client: httpx.Client, path: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    assert client.put(f"/api/v1/blobs/{sha}", content=data).status_code == 200
    return {"path": path, "sha256": sha, "size": len(data)}


def log_table(
    client: httpx.Client,
    run_id: str,
    key: str,
    step: int,
    doc: dict[str, Any],
    extra: dict[str, Any] | None = None,
    previous: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Send a table file and the table-file value referring to it, as the SDK does."""
    ref = put_file(client, f"media/table/{key}_{step}_abcd.table.json", orjson.dumps(doc))
    value: dict[str, Any] = {"_type": "table-file", **ref, "ncols": len(doc["columns"])}
    value["nrows"] = len(doc["data"])
    if previous:
        value.update(log_mode="INCREMENTAL", previous=previous)
    records = [["file", ref], ["values", {"step": step, "time": 1.0, "values": {key: value}}]]
    for name, other in (extra or {}).items():
        records.append(["values", {"step": step, "time": 1.0, "values": {name: other}}])
    response = post_batch(client, records, 0, new_stream(), run_id=run_id)
    assert response.json()["applied"] == len(records), response.text
    return ref


def preds(n: int, offset: float = 0.0) -> dict[str, Any]:
    data = [
        [i, "cat" if i % 2 else "dog", i / 10 + offset, IMG if i % 3 == 0 else None]
        for i in range(n)
    ]
    data[1][2] = "NaN"
    return {"columns": ["id", "label", "score", "img"], "data": data}


def test_query_filter_sort_group_page(client: httpx.Client) -> None:
    put_file(client, "media/images/i.png", b"png bytes")
    log_table(client, "r1", "preds", 0, {"columns": ["id"], "data": [[0]]})
    log_table(client, "r1", "preds", 5, preds(10))
    url = f"{RUN}/r1/tables/query"
    body = client.post(url, json={"key": "preds", "limit": 3}).json()
    assert body["step"] == 5
    assert body["total"] == 10
    assert body["columns"] == [
        {"name": "id", "type": "number"},
        {"name": "label", "type": "text"},
        {"name": "score", "type": "number"},
        {"name": "img", "type": "media:image-file"},
    ]
    assert body["rows"][1] == [1, "cat", "NaN", None]
    assert body["rows"][0][3] == {**IMG, "url": f"{RUN}/r1/media/{IMG_SHA}"}
    assert len(body["sha256"]) == 64
    old = client.post(url, json={"key": "preds", "step": 0}).json()
    assert old["step"] == 0
    assert old["rows"] == [[0]]
    page = client.post(
        url,
        json={
            "key": "preds",
            "filter": {"label": "cat"},
            "expr": "score > 0.2",
            "sort": [{"column": "score", "order": "desc"}],
            "offset": 1,
            "limit": 2,
        },
    ).json()
    assert page["total"] == 4
    assert [r[0] for r in page["rows"]] == [7, 5]
    grouped = client.post(url, json={"key": "preds", "group_by": "label", "limit": 0}).json()
    assert grouped["rows"] == []
    assert [(g["value"], g["count"]) for g in grouped["groups"]] == [("cat", 5), ("dog", 5)]
    assert grouped["groups"][0]["stats"]["score"]["mean"] == "NaN"
    assert grouped["groups"][1]["stats"]["id"] == {"min": 0, "max": 8, "mean": 4.0}


def test_export_streams_csv_with_media_urls(client: httpx.Client, server: ServerProcess) -> None:
    log_table(client, "r1", "preds", 0, preds(4))
    response = client.post(
        f"{RUN}/r1/tables/export", json={"key": "preds", "sort": [{"column": "id"}]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["id", "label", "score", "img"]
    assert rows[1] == ["0", "dog", "0.0", f"{server.base_url}{RUN}/r1/media/{IMG_SHA}"]
    assert rows[2] == ["1", "cat", "NaN", ""]
    assert len(rows) == 5


def test_incremental_parts_and_joined_tables(client: httpx.Client) -> None:
    first = log_table(client, "r1", "inc", 0, {"columns": ["i"], "data": [[0], [1]]})
    log_table(client, "r1", "inc", 1, {"columns": ["i"], "data": [[2]]}, previous=[first])
    body = client.post(f"{RUN}/r1/tables/query", json={"key": "inc"}).json()
    assert [r[0] for r in body["rows"]] == [0, 1, 2]
    left = log_table(client, "r2", "a", 0, {"columns": ["k", "x"], "data": [[1, "p"], [2, "q"]]})
    right = log_table(client, "r2", "b", 0, {"columns": ["k", "y"], "data": [[2, "z"]]})
    joined = {"_type": "joined-table", "table1": left["path"], "table2": right, "join_key": "k"}
    post_batch(
        client, [["values", {"step": 0, "time": 1.0, "values": {"j": joined}}]], 0,
        new_stream(), run_id="r2",
    )  # fmt: skip
    body = client.post(f"{RUN}/r2/tables/query", json={"key": "j"}).json()
    assert body["rows"] == [[2.0, "q", "z"]] or body["rows"] == [[2, "q", "z"]]


def test_across_runs_stacked_and_joined(client: httpx.Client) -> None:
    log_table(client, "r1", "preds", 0, preds(3))
    log_table(client, "r2", "preds", 7, preds(2, offset=1.0))
    url = f"{PROJECT}/tables/query"
    body = client.post(url, json={"key": "preds", "runs": ["r1", "r2"]}).json()
    assert body["total"] == 5
    assert body["step"] is None
    assert [c["name"] for c in body["columns"]] == ["run", "id", "label", "score", "img"]
    assert [r[0] for r in body["rows"]] == ["r1", "r1", "r1", "r2", "r2"]
    assert body["rows"][3][4]["url"] == f"{RUN}/r2/media/{IMG_SHA}"
    assert [(s["run"], s["step"]) for s in body["sources"]] == [("r1", 0), ("r2", 7)]
    joined = client.post(
        url, json={"key": "preds", "runs": ["r1", "r2"], "join_on": "id", "expr": "r2/score > 0"}
    ).json()
    names = [c["name"] for c in joined["columns"]]
    assert names[:3] == ["id", "r1/label", "r1/score"]
    assert "r2/img" in names
    assert joined["total"] == 1
    assert joined["rows"][0][0] == 0
    export = client.post(
        f"{PROJECT}/tables/export", json={"key": "preds", "runs": ["r1", "r2"], "join_on": "id"}
    )
    assert export.status_code == 200
    assert len(export.text.strip().splitlines()) == 4


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"key": "note"}, 400, "'note' at step 0 is a text value, not a table-file"),
        ({"key": "img"}, 400, "is a image-file, not a table-file"),
        ({"key": "nothing"}, 404, "has no value logged under 'nothing'"),
        ({"key": "preds", "step": 3}, 404, "at step 3"),
        ({"key": "preds", "filter": {"nope": 1}}, 400, "no column 'nope'; its columns are 'id'"),
        ({"key": "preds", "sort": [{"column": "zz"}]}, 400, "sort: the table has no column 'zz'"),
        ({"key": "preds", "group_by": "zz"}, 400, "group_by: the table has no column 'zz'"),
        ({"key": "preds", "expr": "score >"}, 400, "expected a value"),
        ({"key": "preds", "limit": 5000}, 422, ""),
    ],
)
def test_bad_input_is_a_clear_4xx(
    client: httpx.Client, body: dict[str, Any], status: int, message: str
) -> None:
    log_table(client, "r1", "preds", 0, preds(3), extra={"note": "hello", "img": IMG})
    response = client.post(f"{RUN}/r1/tables/query", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]


def test_cross_run_limits_and_unknown_runs(client: httpx.Client) -> None:
    log_table(client, "r1", "preds", 0, preds(3))
    url = f"{PROJECT}/tables/query"
    too_many = client.post(url, json={"key": "preds", "runs": [f"r{i}" for i in range(21)]})
    assert too_many.status_code == 422
    post_batch(client, [["heartbeat", {"time": 1.0}]], 0, new_stream(), run_id="r2")
    partial = client.post(url, json={"key": "preds", "runs": ["r1", "r2"]}).json()
    assert [s["run"] for s in partial["sources"]] == ["r1"]
    assert partial["total"] == 3
    none = client.post(url, json={"key": "other", "runs": ["r1", "r2"]})
    assert none.status_code == 404
    assert "none of the runs" in none.json()["detail"]
    unknown = client.post(url, json={"key": "preds", "runs": ["r1", "ghost"]})
    assert unknown.status_code == 404
    assert "ghost" in unknown.json()["detail"]
    no_key = client.post(url, json={"key": "preds", "runs": ["r1"], "join_on": "zz"})
    assert no_key.status_code == 400
    assert "no column 'zz'" in no_key.json()["detail"]


def test_a_value_cannot_read_a_file_its_run_lacks(client: httpx.Client) -> None:
    secret = log_table(client, "r1", "preds", 0, preds(3))
    forged = {"_type": "table-file", **secret, "path": "media/table/forged.table.json"}
    post_batch(
        client, [["values", {"step": 0, "time": 1.0, "values": {"t": forged}}]], 0,
        new_stream(), run_id="r9",
    )  # fmt: skip
    response = client.post(f"{RUN}/r9/tables/query", json={"key": "t"})
    assert response.status_code == 404
    assert "has no file" in response.json()["detail"]
