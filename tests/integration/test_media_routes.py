"""Media over HTTP with a real server: key lists, values by step, the media route, file pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.authhelp import ADMIN, login, start_auth_server
from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

RUN = "/api/v1/runs/team/proj/run00001"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
HTML = b"<html><body><script>document.title='x'</script></body></html>"


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30)


def upload(client: httpx.Client, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    assert client.put(f"/api/v1/blobs/{sha}", content=data).status_code == 200
    return sha


def log_media(
    client: httpx.Client,
    key: str,
    step: int,
    path: str,
    data: bytes,
    kind: str = "image-file",
    run_id: str = "run00001",
    **batch: Any,
) -> str:
    """What the SDK sends for one media value: the file record, then the values record."""
    sha = upload(client, data)
    value = {"_type": kind, "path": path, "sha256": sha, "size": len(data)}
    records = [
        ["file", {"path": path, "sha256": sha, "size": len(data)}],
        ["values", {"step": step, "time": 1000.0 + step, "values": {key: value}}],
    ]
    answer = post_batch(client, records, 0, new_stream(), run_id=run_id, **batch).json()
    assert answer["rejected"] == []
    return sha


def test_keys_list_media_with_type_count_and_steps(client: httpx.Client) -> None:
    for step in (4, 2, 9):
        data = PNG + bytes([step])
        log_media(client, "samples/img", step, f"media/images/samples/img_{step}.png", data)
    log_media(client, "page", 1, "media/html/page_1.html", HTML, kind="html-file")
    log_media(client, "samples/img", 0, "media/images/img_0.png", PNG, run_id="run00002")
    keys = client.get(f"{RUN}/keys").json()
    assert keys["keys"] == []
    assert keys["media"] == [
        {"key": "page", "type": "html-file", "count": 1, "step_min": 1, "step_max": 1},
        {"key": "samples/img", "type": "image-file", "count": 3, "step_min": 2, "step_max": 9},
    ]
    project = client.get("/api/v1/projects/team/proj/keys").json()
    assert project["media"] == [
        {"key": "page", "type": "html-file", "runs": 1},
        {"key": "samples/img", "type": "image-file", "runs": 2},
    ]


def test_values_by_step_range(client: httpx.Client) -> None:
    for step in range(6):
        log_media(client, "img", step, f"media/images/img_{step}.png", PNG + bytes([step]))

    def page(**params: Any) -> dict[str, Any]:
        answer = client.get(f"{RUN}/values", params={"key": "img", **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    first = page(step_min=1, step_max=4, limit=2)
    assert [v["step"] for v in first["values"]] == [1, 2]
    assert first["values"][0]["value"]["_type"] == "image-file"
    rest = page(step_min=1, step_max=4, limit=2, after=first["next_after"])
    assert [v["step"] for v in rest["values"]] == [3, 4]
    assert page(step_min=5)["values"][0]["step"] == 5
    assert [v["step"] for v in page(step_max=0)["values"]] == [0]
    backwards = client.get(f"{RUN}/values", params={"key": "img", "step_min": 3, "step_max": 1})
    assert backwards.status_code == 400
    assert "step_min" in backwards.json()["detail"]


def test_media_route_headers_etag_and_ranges(client: httpx.Client) -> None:
    sha = log_media(client, "img", 1, "media/images/img_1.png", PNG)
    got = client.get(f"{RUN}/media/{sha}")
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert got.headers["etag"] == f'"{sha}"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline")
    assert got.headers["accept-ranges"] == "bytes"
    assert "content-security-policy" not in got.headers
    again = client.get(f"{RUN}/media/{sha}", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == f'"{sha}"'
    part = client.get(f"{RUN}/media/{sha}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == PNG[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(PNG)}"
    tail = client.get(f"{RUN}/media/{sha}", headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.content) == (206, PNG[-5:])
    from_middle = client.get(f"{RUN}/media/{sha}", headers={"Range": "bytes=2000-"})
    assert from_middle.content == PNG[2000:]
    past = client.get(f"{RUN}/media/{sha}", headers={"Range": f"bytes={len(PNG)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(PNG)}"
    stale = client.get(f"{RUN}/media/{sha}", headers={"Range": "bytes=0-1", "If-Range": '"x"'})
    assert (stale.status_code, stale.content) == (200, PNG)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("media/html/page_1.html", "text/html; charset=utf-8"),
        ("media/images/chart_1.svg", "image/svg+xml"),
    ],
)
def test_html_and_svg_are_sandboxed(client: httpx.Client, path: str, content_type: str) -> None:
    sha = log_media(client, "page", 1, path, HTML + path.encode(), kind="html-file")
    got = client.get(f"{RUN}/media/{sha}")
    assert got.headers["content-type"] == content_type
    assert got.headers["content-security-policy"] == "sandbox allow-scripts"


def test_media_route_only_serves_what_the_run_has(client: httpx.Client) -> None:
    mine = log_media(client, "img", 1, "media/images/img_1.png", PNG)
    theirs = log_media(
        client, "img", 1, "media/images/img_1.png", PNG + b"other", run_id="run00009"
    )
    missing = client.get(f"{RUN}/media/{theirs}")
    assert missing.status_code == 404
    assert theirs in missing.json()["detail"]
    assert client.get(f"/api/v1/runs/team/proj/run00009/media/{mine}").status_code == 404
    for bad in ("nothex", mine.upper(), mine + "0"):
        refused = client.get(f"{RUN}/media/{bad}")
        assert refused.status_code == 400, bad
        assert "sha256" in refused.json()["detail"]


def test_files_page_with_prefix_and_cursor(client: httpx.Client) -> None:
    sha = upload(client, b"x")
    paths = [f"media/images/img_{i:02}.png" for i in range(7)] + ["config.yaml", "z.txt"]
    records = [["file", {"path": p, "sha256": sha, "size": 1}] for p in paths]
    assert post_batch(client, records, 0, new_stream()).json()["rejected"] == []
    everything = client.get(f"{RUN}/files").json()
    assert [f["path"] for f in everything["files"]] == sorted(paths)
    assert everything["next_after"] is None
    seen: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"prefix": "media/images/", "limit": 3}
        if after is not None:
            params["after"] = after
        page = client.get(f"{RUN}/files", params=params).json()
        seen += [f["path"] for f in page["files"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == sorted(p for p in paths if p.startswith("media/"))
    assert client.get(f"{RUN}/files", params={"limit": 5001}).status_code == 422


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data")
    try:
        yield proc
    finally:
        proc.stop()


def test_media_of_a_private_project_is_hidden_from_others(auth_server: ServerProcess) -> None:
    admin, csrf = login(auth_server, *ADMIN)
    headers = {"X-CSRF-Token": csrf}
    created = admin.post(
        "/api/v1/users", json={"username": "alice", "password": "alice-password"}, headers=headers
    )
    assert created.status_code == 201
    key = admin.post("/api/v1/api-keys", json={"name": "w"}, headers=headers).json()["key"]
    writer = httpx.Client(base_url=auth_server.base_url, headers={"Authorization": f"Bearer {key}"})
    sha = log_media(writer, "img", 1, "media/images/img_1.png", PNG, entity="root")
    run = "/api/v1/runs/root/proj/run00001"
    assert admin.get(f"{run}/media/{sha}").content == PNG
    alice, _ = login(auth_server, "alice", "alice-password")
    assert alice.get(f"{run}/media/{sha}").status_code == 404
    assert alice.get(f"{run}/keys").status_code == 404
    assert alice.get(f"{run}/files").status_code == 404
    anonymous = httpx.Client(base_url=auth_server.base_url)
    assert anonymous.get(f"{run}/media/{sha}").status_code == 401


def test_the_sdk_reads_every_page_of_files(server: ServerProcess, client: httpx.Client) -> None:
    import cairn

    sha = upload(client, b"x")
    paths = [f"f/{i:05}.txt" for i in range(5002)]
    records = [["file", {"path": p, "sha256": sha, "size": 1}] for p in paths]
    assert post_batch(client, records, 0, new_stream()).json()["rejected"] == []
    run = cairn.Api(base_url=server.base_url).run("team/proj/run00001")
    assert [f["path"] for f in run.files()] == paths
