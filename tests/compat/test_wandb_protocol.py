"""The W&B surface at the HTTP level: bad input, resends, gaps and auth (design 0016).

What the real client would never send, sent on purpose: every refusal is a 4xx in W&B's error
shape, and nothing already stored changes.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.authhelp import ADMIN, create_user, session, start_auth_server
from tests.compat.wandb_client import OPEN_KEY, CairnReader
from tests.serverproc import ServerProcess, start_server

UPSERT = """mutation UpsertBucket($name: String, $project: String, $entity: String,
  $config: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, config: $config}) {
    bucket { id name historyLineCount project { name entity { name } } }
    inserted
  }
}"""


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


@pytest.fixture
def wb(server: ServerProcess) -> Iterator[httpx.Client]:
    """A client speaking to the W&B surface as the wandb client does."""
    with httpx.Client(base_url=server.base_url, headers=_basic(OPEN_KEY), timeout=30) as client:
        yield client


def _upsert(wb: httpx.Client, run: str, entity: str = "ann", project: str = "p") -> dict:  # type: ignore[type-arg]
    config = json.dumps({"lr": {"value": 0.1}})
    variables = {"name": run, "project": project, "entity": entity, "config": config}
    response = wb.post("/graphql", json={"query": UPSERT, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["upsertBucket"]  # type: ignore[no-any-return]


def _stream(wb: httpx.Client, run: str, body: object, entity: str = "ann") -> httpx.Response:
    return wb.post(f"/files/{entity}/p/{run}/file_stream", json=body)


def _history(offset: int, steps: range) -> dict[str, object]:
    lines = [json.dumps({"_step": s, "_timestamp": 1.7e9 + s, "x": s * 1.5}) for s in steps]
    return {"files": {"wandb-history.jsonl": {"offset": offset, "content": lines}}}


def test_upsert_creates_once_and_reports_line_counts(wb: httpx.Client) -> None:
    first = _upsert(wb, "r1")
    assert first["inserted"] is True
    assert first["bucket"]["name"] == "r1"
    assert first["bucket"]["project"] == {"name": "p", "entity": {"name": "ann"}}
    assert _stream(wb, "r1", _history(0, range(3))).status_code == 200
    again = _upsert(wb, "r1")
    assert again["inserted"] is False
    assert again["bucket"]["historyLineCount"] == 3
    assert again["bucket"]["id"] == first["bucket"]["id"]


def test_resent_and_overlapping_history_is_applied_once(
    wb: httpx.Client, server: ServerProcess
) -> None:
    _upsert(wb, "r2")
    for body in (_history(0, range(4)), _history(0, range(4)), _history(2, range(2, 6))):
        response = _stream(wb, "r2", body)
        assert response.status_code == 200, response.text
        assert response.json() == {"exitcode": None, "limits": {}}
    points = CairnReader(server.base_url).history("ann/p/r2", "x")
    assert points == [(s, s * 1.5) for s in range(6)]


def test_a_gap_is_refused_with_400_and_nothing_changes(
    wb: httpx.Client, server: ServerProcess
) -> None:
    _upsert(wb, "r3")
    assert _stream(wb, "r3", _history(0, range(2))).status_code == 200
    response = _stream(wb, "r3", _history(5, range(5, 7)))
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "wandb-history.jsonl" in message
    assert "send from line 2" in message
    assert CairnReader(server.base_url).history("ann/p/r3", "x") == [(0, 0.0), (1, 1.5)]


def test_output_lines_overwrite_by_index_and_summary_replaces(
    wb: httpx.Client, server: ServerProcess
) -> None:
    _upsert(wb, "r4")

    def output(offset: int, *lines: str) -> dict[str, object]:
        content = [f"2026-12-06T10:00:0{i}.000000 {text}" for i, text in enumerate(lines)]
        return {"files": {"output.log": {"offset": offset, "content": content}}}

    for body in (output(0, "a", "b 10%"), output(1, "b 50%"), output(1, "b 100%", "c")):
        assert _stream(wb, "r4", body).status_code == 200
    err = {"files": {"output.log": {"offset": 3, "content": ["ERROR 2026-12-06T10:00:09 bad"]}}}
    assert _stream(wb, "r4", err).status_code == 200
    reader = CairnReader(server.base_url)
    assert reader.console("ann/p/r4") == [
        ("stdout", "a"),
        ("stdout", "b 100%"),
        ("stdout", "c"),
        ("stderr", "bad"),
    ]
    for summary in ({"a": 1, "b": 2}, {"b": 3, "_wandb": {"runtime": 4}}):
        body = {"files": {"wandb-summary.json": {"offset": 0, "content": [json.dumps(summary)]}}}
        assert _stream(wb, "r4", body).status_code == 200
    assert reader.run("ann/p/r4")["summary"] == {"b": 3}


def test_bare_nan_tokens_gzip_and_the_empty_entity_path(
    wb: httpx.Client, server: ServerProcess
) -> None:
    viewer = wb.post("/graphql", json={"query": "query Viewer { viewer { entity } }"})
    entity = viewer.json()["data"]["viewer"]["entity"]
    _upsert(wb, "r5", entity=entity)
    line = '{"_step": 0, "_timestamp": 1.7e9, "a": NaN, "b": Infinity, "c": -Infinity}'
    body = json.dumps({"files": {"wandb-history.jsonl": {"offset": 0, "content": [line]}}})
    response = wb.post(
        "/files/p/r5/file_stream",
        content=gzip.compress(body.encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    reader = CairnReader(server.base_url)
    got = {k: reader.history(f"{entity}/p/r5", k)[0][1] for k in ("a", "b", "c")}
    assert got == {"a": "NaN", "b": "Infinity", "c": "-Infinity"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"files": []}', "'files' must be a JSON object"),
        ('{"files": {"wandb-history.jsonl": {"offset": -1, "content": ["{}"]}}}', "offset"),
        ('{"files": {"wandb-history.jsonl": {"offset": 0, "content": ["nope"]}}}', "not JSON"),
        ('{"files": {"wandb-history.jsonl": {"offset": 0, "content": ["[1]"]}}}', "object"),
        ('{"complete": true, "exitcode": "zero"}', "exitcode"),
    ],
)
def test_malformed_file_stream_bodies_are_refused(
    wb: httpx.Client, server: ServerProcess, body: str, needle: str
) -> None:
    _upsert(wb, "r6")
    assert _stream(wb, "r6", _history(0, range(1))).status_code == 200
    response = wb.post(
        "/files/ann/p/r6/file_stream", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert needle in response.json()["errors"][0]["message"]
    run = CairnReader(server.base_url).run("ann/p/r6")
    assert run["state"] == "running"
    assert CairnReader(server.base_url).history("ann/p/r6", "x") == [(0, 0.0)]


def test_an_oversized_file_stream_request_is_413_and_changes_nothing(
    wb: httpx.Client, server: ServerProcess
) -> None:
    _upsert(wb, "big")
    assert _stream(wb, "big", _history(0, range(1))).status_code == 200
    line = json.dumps({"_step": 1, "x": 1.0, "pad": "p" * 1024})
    body = {"files": {"wandb-history.jsonl": {"offset": 1, "content": [line] * 17_000}}}
    response = _stream(wb, "big", body)
    assert response.status_code == 413
    assert "limit" in response.json()["errors"][0]["message"]
    assert CairnReader(server.base_url).history("ann/p/big", "x") == [(0, 0.0)]


def test_file_stream_for_an_unknown_run_is_404(wb: httpx.Client) -> None:
    response = _stream(wb, "nosuchrun", _history(0, range(1)))
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def test_unsupported_operations_fail_at_once_naming_the_operation(wb: httpx.Client) -> None:
    unknown = "query ProjectViews($p: String) { project(name: $p) { allViews { edges { id } } } }"
    response = wb.post("/graphql", json={"query": unknown, "operationName": "ProjectViews"})
    assert response.status_code == 400  # the client does not retry a 400
    assert "'ProjectViews'" in response.json()["errors"][0]["message"]
    malformed = wb.post("/graphql", json={"query": "query { viewer { "})
    assert malformed.status_code == 400
    assert "malformed GraphQL" in malformed.json()["errors"][0]["message"]
    for bad in (b"nope", b"[]", b'{"query": 5}'):
        response = wb.post("/graphql", content=bad, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"]


CREATE_FILES = """mutation C($e: String!, $p: String!, $r: String!, $f: [String!]!) {
  createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) {
    runID uploadHeaders files { name uploadUrl } } }"""


def test_run_files_go_up_by_capability_url_kept_out_of_logs(tmp_path: Path, db_url: str) -> None:
    server = start_server(tmp_path / "data", db_url=db_url, extra_args=["--log-level", "info"])
    try:
        with httpx.Client(base_url=server.base_url, headers=_basic(OPEN_KEY), timeout=30) as wb:
            _upsert(wb, "f1")
            variables = {"e": "ann", "p": "p", "r": "f1", "f": ["notes/a.txt", "b.bin"]}
            answer = wb.post("/graphql", json={"query": CREATE_FILES, "variables": variables})
            files = answer.json()["data"]["createRunFiles"]["files"]
            assert [f["name"] for f in files] == ["notes/a.txt", "b.bin"]
        payloads = {"notes/a.txt": b"hello", "b.bin": bytes(range(256)) * 64}
        with httpx.Client(timeout=30) as anonymous:  # the client sends no credentials here
            for entry in files:
                put = anonymous.put(entry["uploadUrl"], content=payloads[entry["name"]])
                assert put.status_code == 200, put.text
        reader = CairnReader(server.base_url)
        for name, payload in payloads.items():
            assert reader.file_bytes("ann/p/f1", name) == payload
        log = server.log()
        assert "PUT /wandb-files/" in log  # the uploads were logged ...
        assert "/wandb-files/gAAAA" not in log  # ... without their capability tokens
    finally:
        server.stop()


def test_forged_or_download_only_file_urls_are_refused(wb: httpx.Client) -> None:
    _upsert(wb, "r7")
    forged = wb.put("/wandb-files/gAAAAABforged", content=b"x")
    assert forged.status_code == 401
    assert "invalid or expired" in forged.json()["errors"][0]["message"]
    variables = {"e": "ann", "p": "p", "r": "r7", "f": ["../escape.txt"]}
    response = wb.post("/graphql", json={"query": CREATE_FILES, "variables": variables})
    assert response.status_code == 200
    assert "must be relative" in response.json()["errors"][0]["message"]


def test_auth_is_cairns_own(tmp_path: Path) -> None:
    server = start_auth_server(tmp_path / "data")
    try:
        admin = session(server, *ADMIN)
        create_user(admin, "viewer1", "viewer password 1")
        key = admin.post("/api/v1/api-keys", json={"name": "wandb"}).json()["key"]
        viewer_key = (
            session(server, "viewer1", "viewer password 1")
            .post("/api/v1/api-keys", json={"name": "wandb"})
            .json()["key"]
        )
        query = {"query": "query Viewer { viewer { entity username } }"}
        with httpx.Client(base_url=server.base_url, timeout=30) as anonymous:
            response = anonymous.post("/graphql", json=query)
            assert response.status_code == 401
            assert "WANDB_API_KEY" in response.json()["errors"][0]["message"]
            wrong = anonymous.post("/graphql", json=query, headers=_basic("cairn_" + "x" * 43))
            assert wrong.status_code == 401
            assert wrong.json()["errors"][0]["message"]
            assert anonymous.post("/files/root/p/r/file_stream", json={}).status_code == 401
        with httpx.Client(base_url=server.base_url, headers=_basic(key), timeout=30) as wb:
            me = wb.post("/graphql", json=query).json()["data"]["viewer"]
            assert me == {"entity": ADMIN[0], "username": ADMIN[0]}
            made = _upsert(wb, "r8", entity=ADMIN[0])
            assert made["inserted"] is True
        with httpx.Client(base_url=server.base_url, headers=_basic(viewer_key), timeout=30) as wb:
            variables = {"name": "r9", "project": "p", "entity": ADMIN[0]}
            response = wb.post("/graphql", json={"query": UPSERT, "variables": variables})
            assert response.status_code == 200
            assert response.json()["errors"][0]["message"]
            refused = wb.post(f"/files/{ADMIN[0]}/p/r8/file_stream", json=_history(0, range(1)))
            assert refused.status_code in (403, 404)
        assert CairnReader(server.base_url, key).keys(f"{ADMIN[0]}/p/r8") == {}
    finally:
        server.stop()


def test_minted_keys_pass_the_wandb_clients_own_check() -> None:
    from wandb.sdk.lib.wbauth.validation import check_api_key

    from cairn.server.auth.secrets import new_api_key

    problems = {key: check_api_key(key) for key in (new_api_key() for _ in range(500))}
    assert {k: p for k, p in problems.items() if p is not None} == {}
