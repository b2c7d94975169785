"""The SDK's side of blob batches (design 0017): small blobs go up and come down many per
request, large ones alone; against a server without the batch routes (a real server started
with ``CAIRN_SERVER_BLOB_BATCHES=false``) everything goes one blob per request, as before."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.transport import Transport
from tests.integration.test_observability import scrape, value
from tests.serverproc import ServerProcess, start_server

MIB = 1024 * 1024
FILES_ROUTE = "/api/v1/artifacts/{entity}/{project}/{name}/versions/{ver}/files/{path:path}"


def _server(tmp_path: Path, batches: bool) -> Iterator[ServerProcess]:
    env = {"CAIRN_SERVER_BLOB_BATCHES": "true" if batches else "false"}
    proc = start_server(tmp_path / "server", extra_args=["--upload-part-mb", "1"], env=env)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server with the batch routes and parts of 1 MiB."""
    yield from _server(tmp_path, batches=True)


@pytest.fixture
def old_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server without the batch routes, as one from before them."""
    yield from _server(tmp_path, batches=False)


def _requests(server: ServerProcess) -> dict[str, float]:
    """Requests the server answered with 2xx, by kind."""
    with httpx.Client(base_url=server.base_url) as client:
        samples = scrape(client)

    def count(method: str, route: str) -> float:
        return value(samples, "cairn_http_requests_total", method=method, route=route, status="2xx")

    return {
        "put": count("PUT", "/api/v1/blobs/{sha256}"),
        "batch": count("POST", "/api/v1/blobs/batch"),
        "parts": count("PUT", "/api/v1/uploads/{upload_id}/parts/{number}"),
        "fetch": count("POST", "/api/v1/projects/{entity}/{project}/blobs/batch"),
        "files": count("GET", FILES_ROUTE),
    }


def _blobs(folder: Path, datas: list[bytes]) -> list[LocalBlob]:
    folder.mkdir(parents=True, exist_ok=True)
    blobs = []
    for i, data in enumerate(datas):
        (folder / f"{i}.bin").write_bytes(data)
        blobs.append(LocalBlob(hashlib.sha256(data).hexdigest(), len(data), folder / f"{i}.bin"))
    return blobs


def test_small_blobs_go_up_in_batches_and_a_changed_one_is_refused_alone(
    server: ServerProcess, tmp_path: Path
) -> None:
    small = _blobs(tmp_path / "small", [os.urandom(100 + i % 7) for i in range(2100)])
    large = _blobs(tmp_path / "large", [os.urandom(MIB + 1)])
    changed = _blobs(tmp_path / "changed", [b"before"])[0]
    changed.path.write_bytes(b"after!")  # the same size, other bytes
    transport = Transport(server.base_url, None)
    try:
        result = transport.upload_blobs("e/p", [*small, *large, changed])
    finally:
        transport.close()
    assert result.outcome == "refused"
    assert list(result.refused_blobs) == [changed.sha256]
    assert "changed after it was saved" in result.refused_blobs[changed.sha256]
    # 2,101 small blobs: at most 1,000 a batch; the large one in parts of 1 MiB
    counts = _requests(server)
    assert (counts["put"], counts["batch"], counts["parts"]) == (0, 3, 2)
    stored = {p.name for p in (server.data_dir / "blobs").glob("??/??/*")}
    assert stored == {b.sha256 for b in [*small, *large]}


def test_against_a_server_without_batches_every_blob_goes_alone(
    old_server: ServerProcess, tmp_path: Path
) -> None:
    blobs = _blobs(tmp_path / "small", [os.urandom(100 + i) for i in range(5)])
    transport = Transport(old_server.base_url, None)
    try:
        result = transport.upload_blobs("e/p", blobs)
    finally:
        transport.close()
    assert result.outcome == "ok", result.detail
    counts = _requests(old_server)
    assert (counts["put"], counts["batch"]) == (5, 0)
    stored = {p.name for p in (old_server.data_dir / "blobs").glob("??/??/*")}
    assert stored == {b.sha256 for b in blobs}


def _log_and_download(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Log a folder of 40 small files and a large one, then download it on "another machine"
    (an empty cache); the download folder."""
    monkeypatch.setenv("CAIRN_BASE_URL", server.base_url)
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    for i in range(40):
        (data / f"part{i % 4}").mkdir(parents=True, exist_ok=True)
        (data / f"part{i % 4}" / f"{i}.txt").write_text(f"row {i}\n" * (i + 1))
    (data / "weights.bin").write_bytes(b"w" * (2 * MIB))
    settings = {"capture_system": False}
    run = cairn.init(project="vision", settings=settings)  # type: ignore[arg-type]
    assert run.log_artifact(data, name="ds", type="dataset").wait(timeout=60).version == "v0"
    run.finish()
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(tmp_path / "other-cache"))
    root = cairn.Api().artifact(f"{run.entity}/vision/ds:v0").download(tmp_path / "out")
    for i in range(40):
        assert (root / f"part{i % 4}" / f"{i}.txt").read_text() == f"row {i}\n" * (i + 1)
    assert (root / "weights.bin").read_bytes() == b"w" * (2 * MIB)
    return root


def test_an_artifact_goes_up_and_comes_down_in_batches(
    server: ServerProcess, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log_and_download(server, tmp_path, monkeypatch)
    counts = _requests(server)
    # the 40 small files in one batch each way; the large file alone (parts up, ranges down)
    assert (counts["put"], counts["batch"], counts["parts"]) == (0, 1, 2)
    assert (counts["fetch"], counts["files"]) == (1, 1)


def test_an_artifact_goes_up_and_comes_down_file_by_file_without_batches(
    old_server: ServerProcess, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log_and_download(old_server, tmp_path, monkeypatch)
    counts = _requests(old_server)
    assert (counts["put"], counts["batch"], counts["parts"]) == (40, 0, 2)
    assert (counts["fetch"], counts["files"]) == (0, 41)
