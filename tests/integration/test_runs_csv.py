"""Runs exported as CSV over HTTP: quoting, the formula guard, filter/order/columns, streaming."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from cairn.server.store.sql import kv
from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.schema import entities, projects, runs
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch

CSV = "/api/v1/projects/team/proj/runs.csv"

RUNS = [
    # id, name, config, tags
    ("r1", "plain", {"lr": 0.1, "opt": "adam", "nested": {"depth": 3}}, ["a"]),
    ("r2", 'has "quotes", a comma', {"lr": -0.5, "opt": "=cmd|' /C calc'!A0"}, ["x,y", "b"]),
    ("r3", "multi\nline", {"lr": 1e-5, "opt": "+sum(A1)"}, []),
    ("r4", "@SUM(1)", {"lr": float("inf"), "opt": "-2+3", "list": [1, "=x"]}, ["=tag"]),
    ("r5", "resnet-50", {"lr": 2, "opt": "\tTAB"}, ["résumé"]),
]


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=60)
    for i, (run_id, name, config, tags) in enumerate(RUNS):
        meta = {"python": "3.11"} if run_id == "r1" else None
        record = {"name": name, "config": config, "tags": tags, "created_at": 1_700_000_000 + i}
        if meta:
            record["meta"] = meta
        records = [["run", record], ["finish", {"time": 1_700_000_010.25 + i, "exit_code": 0}]]
        post_batch(client, records, 0, new_stream(), run_id=run_id).raise_for_status()
    return client


def _rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text, newline="")))


def test_quoting_and_the_formula_guard(client: httpx.Client) -> None:
    columns = ["id", "name", "config.opt", "config.lr", "tags", "config.list"]
    response = client.get(CSV, params={"columns": columns, "order": "id"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="team-proj-runs.csv"'
    assert response.text.startswith("id,name,config.opt,config.lr,tags,config.list\r\n")
    assert '"has ""quotes"", a comma"' in response.text  # RFC 4180 quoting
    assert _rows(response) == [
        columns,
        ["r1", "plain", "adam", "0.1", "a", ""],
        ["r2", 'has "quotes", a comma', "'=cmd|' /C calc'!A0", "-0.5", "x,y, b", ""],
        ["r3", "multi\nline", "'+sum(A1)", "1e-05", "", ""],
        ["r4", "'@SUM(1)", "'-2+3", "Infinity", "'=tag", '[1,"=x"]'],
        ["r5", "resnet-50", "'\tTAB", "2", "résumé", ""],
    ]


def test_times_durations_nested_keys_and_meta(client: httpx.Client) -> None:
    columns = ["created_at", "finished_at", "duration", "config.nested.depth", "meta.python"]
    rows = _rows(client.get(CSV, params={"columns": columns, "filters": '{"id": "r1"}'}))
    assert rows == [
        columns,
        ["2023-11-14T22:13:20.000Z", "2023-11-14T22:13:30.250Z", "10.25", "3", "3.11"],
    ]


def test_filter_order_and_post_twin(client: httpx.Client) -> None:
    params = {"expression": "name contains e", "order": "-name", "columns": ["id", "name"]}
    rows = _rows(client.get(CSV, params=params))
    assert [r[0] for r in rows[1:]] == ["r5", "r3", "r2"]
    long_filter = {"$or": [{"name": {"$regex": "^res"}}, *({"id": f"x{i}"} for i in range(300))]}
    posted = _rows(client.post(CSV, json={"filters": long_filter, "columns": ["id"]}))
    assert posted == [["id"], ["r5"]]
    default = _rows(client.get(CSV, params={"order": "id"}))
    assert default[0] == ["id", "name", "state", "created_at", "duration", "tags"]
    assert len(default) == 1 + len(RUNS)


BAD = [
    ({"columns": ["nope"]}, "unknown column 'nope'"),
    ({"expression": 'name ~ "("'}, "invalid regular expression"),
    ({"filters": json.dumps({"name": {"$regex": "(a+)+"}})}, "exponential"),
    ({"filters": "[1]"}, "filters must be a JSON object"),
    ({"order": "tags"}, "cannot be sorted by tags"),
]


def test_bad_exports_are_400s_not_broken_files(client: httpx.Client) -> None:
    for params, message in BAD:
        response = client.get(CSV, params=params)  # type: ignore[arg-type]
        assert response.status_code == 400, params
        assert message in response.json()["detail"]


def test_ten_thousand_runs_stream_in_order(tmp_path: Path) -> None:
    """Seeded straight into the database (the wire protocol would take minutes on CI)."""
    url = f"sqlite:///{tmp_path / 'cairn.db'}"
    engine = open_engine(url)
    upgrade(engine)
    count = 10_000
    with engine.begin() as conn:
        ent = conn.execute(insert(entities).values(name="team", kind="team", created_at=0.0))
        proj = conn.execute(
            insert(projects).values(
                entity_pk=ent.inserted_primary_key[0], name="proj", visibility="private",
                description="", created_at=0.0, updated_at=0.0,
            )
        ).inserted_primary_key[0]  # fmt: skip
        rows = [
            {"project_pk": proj, "id": f"run{i:05d}", "name": f"n,{i}", "state": "finished",
             "config": {"i": i}, "summary": {}, "tags": [], "notes": "", "created_at": float(i),
             "updated_at": float(i), "heartbeat_at": float(i), "console_lines": 0}
            for i in range(count)
        ]  # fmt: skip
        conn.execute(insert(runs), rows)
        pks = conn.execute(runs.select().with_only_columns(runs.c.pk, runs.c.config)).all()
        for pk, config in pks:
            kv.replace_kv(conn, pk, proj, "config", config)
    engine.dispose()
    server = start_server(tmp_path / "data", db_url=url)
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            params = {"columns": ["id", "name", "config.i"], "order": "config.i"}
            with client.stream("GET", CSV, params=params) as response:
                assert response.status_code == 200
                assert "content-length" not in response.headers  # streamed, not buffered
                assert response.headers["transfer-encoding"] == "chunked"
                text = "".join(response.iter_text())
    finally:
        server.stop()
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert lines[0] == ["id", "name", "config.i"]
    assert lines[1:] == [[f"run{i:05d}", f"n,{i}", str(i)] for i in range(count)]
