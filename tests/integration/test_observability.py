"""/metrics, request ids and structured logs against real server processes."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.authhelp import ADMIN, ADMIN_ENV, login
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record, new_stream, post_batch

TOKEN = "scrape-token-0123456789abcdef"
UUID_HEX = re.compile(r"[0-9a-f]{32}")
INGEST = "/api/v1/ingest"
RUN_ROUTE = "/api/v1/runs/{entity}/{project}/{run_id}"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: httpx.Client, **kwargs: Any) -> Samples:
    """Every sample of /metrics, parsed by prometheus_client's own text parser."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _rows(first: int, n: int) -> list[Any]:
    return [
        history_record([(s, float(s), {"loss": 1.0, "acc": 0.5})]) for s in range(first, first + n)
    ]


def test_metrics_count_a_real_ingest_and_reads(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    before = scrape(client)
    assert value(before, "cairn_build_info", version=_version(client)) == 1
    assert value(before, "cairn_db_pool_size") > 0

    stream = new_stream()
    records = _rows(0, 3)  # 3 rows x 2 keys = 6 points
    assert post_batch(client, records, 0, stream).status_code == 200
    assert post_batch(client, records, 0, stream).status_code == 200  # a resend: skipped
    assert post_batch(client, _rows(10, 1), 10, stream).status_code == 409  # a gap: refused
    bad = [*_rows(3, 1), ["no-such-kind", {}]]
    assert post_batch(client, bad, 3, stream).json()["rejected"]
    for _ in range(2):  # the same window twice: computed, then from the cache
        url = "/api/v1/runs/team/proj/run00001/history"
        assert client.get(url, params={"keys": "loss"}).status_code == 200
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cairn_ingest_batches_total", outcome="applied") == 2
    assert delta("cairn_ingest_batches_total", outcome="duplicate") == 1
    assert delta("cairn_ingest_batches_total", outcome="refused") == 1
    assert delta("cairn_ingest_records_total", outcome="applied") == 4
    assert delta("cairn_ingest_records_total", outcome="skipped") == 3
    assert delta("cairn_ingest_records_total", outcome="rejected") == 1
    assert delta("cairn_ingest_points_total", kind="history") == 8
    assert delta("cairn_series_cache_lookups_total", result="miss") >= 1
    assert delta("cairn_series_cache_lookups_total", result="hit") >= 1
    ok = {"method": "POST", "route": INGEST}
    assert delta("cairn_http_requests_total", status="2xx", **ok) == 3
    assert delta("cairn_http_requests_total", status="4xx", **ok) == 1
    assert delta("cairn_http_request_duration_seconds_count", **ok) == 4
    assert value(after, "cairn_http_request_duration_seconds_bucket", le="+Inf", **ok) >= 4
    # Labels carry route templates, never raw paths.
    routes = {dict(labels).get("route") for (name, labels) in after if "http" in name}
    assert "/api/v1/runs/{entity}/{project}/{run_id}/history" in routes
    assert not any(r and "run00001" in r for r in routes)


def _version(client: httpx.Client) -> str:
    version: str = client.get("/api/health").json()["version"]
    return version


def test_runs_by_state_and_housekeeping(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    post_batch(client, _rows(0, 1), 0, new_stream(), run_id="alive001")
    finish = [["finish", {"state": "finished", "exit_code": 0, "time": 2.0}]]
    post_batch(client, [*_rows(0, 1), *finish], 0, new_stream(), run_id="done0001")
    samples = scrape(client)  # the first scrape counts: nothing cached yet
    assert value(samples, "cairn_runs", state="running") == 1
    assert value(samples, "cairn_runs", state="finished") == 1
    assert value(samples, "cairn_runs", state="crashed") == 0
    # The first housekeeping pass starts with the server; wait for it to be counted.
    deadline = time.monotonic() + 60
    while value(samples, "cairn_housekeeping_runs_total", job="crash-detector", outcome="ran") < 1:
        assert time.monotonic() < deadline, "housekeeping never ran"
        time.sleep(0.2)
        samples = scrape(client)
    assert value(samples, "cairn_housekeeping_last_run_timestamp_seconds", job="crash-detector") > 0


def test_metrics_left_out_of_the_openapi_schema(server: ServerProcess) -> None:
    schema = httpx.get(f"{server.base_url}/api/openapi.json").json()
    assert "/metrics" not in schema["paths"]


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """Login required, a metrics token, JSON logs at info level."""
    proc = start_server(
        tmp_path / "data",
        extra_args=["--auth", "required", "--log-format", "json", "--log-level", "info"],
        env={**ADMIN_ENV, "CAIRN_SERVER_METRICS_TOKEN": TOKEN},
    )
    try:
        yield proc
    finally:
        proc.stop()


def _key(client: httpx.Client, csrf: str) -> str:
    response = client.post("/api/v1/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def test_metrics_need_the_token_or_an_admin_when_login_is_required(
    auth_server: ServerProcess,
) -> None:
    anon = httpx.Client(base_url=auth_server.base_url, timeout=30)
    refused = anon.get("/metrics")
    assert refused.status_code == 401
    assert "metrics token" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"
    wrong = anon.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 401
    assert "wrong credentials" in wrong.json()["detail"]
    assert anon.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401

    scrape(anon, headers={"Authorization": f"Bearer {TOKEN}"})
    admin, csrf = login(auth_server, *ADMIN)
    scrape(admin)  # an admin's session cookie
    admin_key = _key(admin, csrf)
    scrape(anon, headers={"Authorization": f"Bearer {admin_key}"})

    created = admin.post(
        "/api/v1/users",
        json={"username": "alice", "password": "alice-password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    alice, alice_csrf = login(auth_server, "alice", "alice-password")
    forbidden = alice.get("/metrics")
    assert forbidden.status_code == 403
    assert "admins" in forbidden.json()["detail"]
    alice_key = _key(alice, alice_csrf)
    assert anon.get("/metrics", headers={"Authorization": f"Bearer {alice_key}"}).status_code == 403


def test_json_log_lines_and_request_ids(auth_server: ServerProcess) -> None:
    admin, _ = login(auth_server, *ADMIN)
    echoed = admin.get("/api/v1/auth/me", headers={"X-Request-ID": "trace-42.a_b:c"})
    assert echoed.headers["x-request-id"] == "trace-42.a_b:c"
    missing = admin.get("/api/v1/runs/root/nope/run00001", headers={"X-Request-ID": "err-7"})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "err-7"
    assert missing.json()["request_id"] == "err-7"
    invalid = admin.get("/api/v1/runs/root/nope/run00001/history")  # no keys: 422
    assert invalid.status_code == 422
    assert invalid.json()["request_id"] == invalid.headers["x-request-id"]
    assert UUID_HEX.fullmatch(invalid.headers["x-request-id"])
    anon = httpx.Client(base_url=auth_server.base_url)
    unauthorized = post_batch(anon, _rows(0, 1), 0, new_stream())
    assert unauthorized.status_code == 401
    assert unauthorized.json()["request_id"] == unauthorized.headers["x-request-id"]
    auth_server.stop()  # every line written and flushed

    lines = [line for line in auth_server.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"ts", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's lines too
    access = [r for r in records if r["logger"] == "cairn.access"]
    me = next(r for r in access if r["request_id"] == "trace-42.a_b:c")
    assert me["method"] == "GET"
    assert me["route"] == "/api/v1/auth/me"
    assert me["path"] == "/api/v1/auth/me"
    assert me["status"] == 200
    assert isinstance(me["duration_ms"], float | int)
    assert me["client"] == "127.0.0.1"
    assert me["user"] == ADMIN[0]
    err = next(r for r in access if r["request_id"] == "err-7")
    assert err["status"] == 404
    assert err["route"] == RUN_ROUTE
    assert next(r for r in access if r["route"] == INGEST)["status"] == 401


def _raw_request(server: ServerProcess, request_id_header: bytes) -> bytes:
    """Send a GET with a hand-written X-Request-ID line; the raw response head."""
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + request_id_header
            + b"\r\n\r\n"
        )
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n", 1)[0]


def _response_request_id(head: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, rest = line.partition(b":")
        if name.strip().lower() == b"x-request-id":
            return rest.strip().decode("latin-1")
    return None


@pytest.mark.parametrize(
    "header",
    [
        b"X-Request-ID: " + b"a" * 10_000,
        b'X-Request-ID: abc"def <script>',
        b"X-Request-ID: abc\r\n injected-line",  # obsolete line folding
        b"X-Request-ID: abc\x0bdef",
    ],
    ids=["10k-chars", "quotes-and-spaces", "folded-newline", "control-char"],
)
def test_malformed_request_ids_are_replaced_not_echoed(
    server: ServerProcess, header: bytes
) -> None:
    head = _raw_request(server, header)
    status = int(head.split(b" ", 2)[1])
    if status == 400:
        # The HTTP parser refused the request before the app saw it: nothing echoed either.
        assert b"injected" not in head
        assert b"aaaa" not in head
        return
    assert status == 200
    rid = _response_request_id(head)
    assert rid is not None
    assert UUID_HEX.fullmatch(rid)
    assert b"injected" not in head
    assert b"script" not in head


def test_workers_share_one_set_of_metrics(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data, extra_args=["--workers", "2", "--log-level", "info"])
    try:
        client = httpx.Client(base_url=server.base_url, timeout=30)
        stream = new_stream()
        for first in range(0, 20, 5):
            assert post_batch(client, _rows(first, 5), first, stream).status_code == 200
        (metrics_dir,) = (data / "metrics").iterdir()
        # Each scrape lands on either worker; every one sees the sum of both.
        for _ in range(6):
            samples = scrape(httpx.Client(base_url=server.base_url, timeout=30))
            assert value(samples, "cairn_ingest_batches_total", outcome="applied") == 4
            assert value(samples, "cairn_ingest_points_total", kind="history") == 40
    finally:
        server.stop()
    assert not metrics_dir.exists()  # removed with the server
    access = [line for line in server.log().splitlines() if " cairn.access: " in line]
    assert any(f"POST {INGEST} 200" in line and "id=" in line for line in access)
