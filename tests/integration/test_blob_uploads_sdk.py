"""A run's saved files go up through the SDK's blob uploader: in parts through the server on a
local store, straight to the bucket at presigned URLs on S3 (moto's server on loopback), and
come back by a redirect to the bucket."""

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
from tests.contract.conftest import s3_endpoint  # noqa: F401  (a fixture this module uses)
from tests.integration.test_observability import scrape, value
from tests.serverproc import ServerProcess, start_server

MIB = 1024 * 1024
PARTS_ROUTE = "/api/v1/uploads/{upload_id}/parts/{number}"


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "server", extra_args=["--upload-part-mb", "1"])
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def s3_server(tmp_path: Path, s3_endpoint: str) -> Iterator[ServerProcess]:  # noqa: F811
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="runs")
    proc = start_server(
        tmp_path / "server",
        extra_args=[
            "--blobs",
            "s3://runs/cairn",
            "--s3-endpoint-url",
            s3_endpoint,
            "--upload-part-mb",
            "5",
        ],
    )
    try:
        yield proc
    finally:
        proc.stop()


def _parts_sent(server: ServerProcess) -> float:
    with httpx.Client(base_url=server.base_url) as client:
        return value(
            scrape(client), "cairn_http_requests_total", method="PUT", route=PARTS_ROUTE,
            status="2xx",
        )  # fmt: skip


def _save_and_finish(server: ServerProcess, workdir: Path, big: bytes) -> str:
    (workdir / "ckpt.pt").write_bytes(big)
    (workdir / "notes.txt").write_text("small")
    run = cairn.init(project="files", settings={"base_url": server.base_url})
    assert sorted(run.save("*", policy="now")) == ["ckpt.pt", "notes.txt"]
    run.finish()
    assert run.path is not None
    return run.path


def test_a_large_saved_file_goes_up_in_parts(local_server: ServerProcess, workdir: Path) -> None:
    big = os.urandom(2 * MIB + 99)
    path = _save_and_finish(local_server, workdir, big)
    files = httpx.get(f"{local_server.base_url}/api/v1/runs/{path}/files").json()["files"]
    assert {f["path"]: f["size"] for f in files} == {"ckpt.pt": len(big), "notes.txt": 5}
    got = httpx.get(f"{local_server.base_url}/api/v1/runs/{path}/files/ckpt.pt")
    assert got.status_code == 200  # a local store streams the bytes itself
    assert got.content == big
    assert _parts_sent(local_server) == 3


def test_on_s3_parts_bypass_the_server_and_downloads_redirect(
    s3_server: ServerProcess,
    workdir: Path,
    s3_endpoint: str,  # noqa: F811
) -> None:
    big = os.urandom(11 * MIB + 7)
    path = _save_and_finish(s3_server, workdir, big)
    assert _parts_sent(s3_server) == 0  # every part went to a presigned URL
    url = f"{s3_server.base_url}/api/v1/runs/{path}/files/ckpt.pt"
    redirect = httpx.get(url)
    assert redirect.status_code == 307
    assert redirect.headers["location"].startswith(f"{s3_endpoint}/runs/cairn/")
    whole = httpx.get(url, follow_redirects=True)
    assert whole.content == big
    assert whole.headers["content-disposition"] == 'attachment; filename="ckpt.pt"'
    ranged = httpx.get(url, follow_redirects=True, headers={"Range": "bytes=5-9"})
    assert ranged.status_code == 206
    assert ranged.content == big[5:10]


def _puts(server: ServerProcess) -> tuple[float, float, float]:
    """Blob uploads the server answered: single PUTs, batches, parts."""
    with httpx.Client(base_url=server.base_url) as client:
        samples = scrape(client)
    whole = value(
        samples, "cairn_http_requests_total", method="PUT", route="/api/v1/blobs/{sha256}",
        status="2xx",
    )  # fmt: skip
    batches = value(
        samples, "cairn_http_requests_total", method="POST", route="/api/v1/blobs/batch",
        status="2xx",
    )  # fmt: skip
    parts = value(
        samples, "cairn_http_requests_total", method="PUT", route=PARTS_ROUTE, status="2xx"
    )
    return whole, batches, parts


def test_upload_blobs_sends_each_missing_blob_once(
    local_server: ServerProcess, tmp_path: Path
) -> None:
    small, large = os.urandom(1000), os.urandom(MIB + 1)
    blobs = []
    for name, data in (("small", small), ("large", large)):
        (tmp_path / name).write_bytes(data)
        blobs.append(LocalBlob(hashlib.sha256(data).hexdigest(), len(data), tmp_path / name))
    transport = Transport(local_server.base_url, None)
    try:
        first = transport.upload_blobs("e/p", [*blobs, blobs[0]])  # a duplicate goes once
        assert (first.outcome, _puts(local_server)) == ("ok", (0.0, 1.0, 2.0))
        again = transport.upload_blobs("e/p", blobs)  # the caller's own recent uploads
        assert (again.outcome, _puts(local_server)) == ("ok", (0.0, 1.0, 2.0))
        # a file that changed after it was hashed cannot go up under the old address
        (tmp_path / "changed").write_bytes(b"after")
        changed = LocalBlob(hashlib.sha256(b"before").hexdigest(), 5, tmp_path / "changed")
        refused = transport.upload_blobs("e/p", [changed])
    finally:
        transport.close()
    # refused for good: that blob's records are set aside, the others still go (design 0015)
    assert refused.outcome == "refused"
    assert "changed after it was saved" in refused.detail
    assert list(refused.refused_blobs) == [changed.sha256]
