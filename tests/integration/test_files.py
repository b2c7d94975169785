"""Blob upload, file records, file listing and download over HTTP."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

RUN = "/api/v1/runs/team/proj/run00001"


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30)


def test_upload_reference_list_and_download(client: httpx.Client) -> None:
    data = b"print('hello')\n" * 1000
    sha = hashlib.sha256(data).hexdigest()
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 404
    stored = client.put(f"/api/v1/blobs/{sha}", content=data)
    assert stored.status_code == 200
    assert stored.json() == {"sha256": sha, "size": len(data)}
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 200
    record = ["file", {"path": "code/train.py", "sha256": sha, "size": len(data)}]
    assert post_batch(client, [record], 0, new_stream()).json()["applied"] == 1
    files = client.get(f"{RUN}/files").json()["files"]
    assert [(f["path"], f["size"]) for f in files] == [("code/train.py", len(data))]
    download = client.get(f"{RUN}/files/code/train.py")
    assert download.content == data
    assert 'filename="train.py"' in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"


def test_upload_with_the_wrong_hash_is_refused(client: httpx.Client) -> None:
    wrong = hashlib.sha256(b"other").hexdigest()
    response = client.put(f"/api/v1/blobs/{wrong}", content=b"content")
    assert response.status_code == 409
    assert "hashes to" in response.json()["detail"]
    assert client.head(f"/api/v1/blobs/{wrong}").status_code == 404


@pytest.mark.parametrize("path", ["../etc/passwd", "/abs/path", "a/../../b", "a\\b", "a//b"])
def test_file_paths_cannot_escape(client: httpx.Client, path: str) -> None:
    sha = hashlib.sha256(b"x").hexdigest()
    body = post_batch(client, [["file", {"path": path, "sha256": sha, "size": 1}]], 0, new_stream())
    assert body.json()["applied"] == 0
    assert "must be relative" in body.json()["rejected"][0]["error"]


def test_unknown_file_is_404(client: httpx.Client) -> None:
    post_batch(client, [["heartbeat", {"time": 1.0}]], 0, new_stream())
    response = client.get(f"{RUN}/files/nothing.txt")
    assert response.status_code == 404
    assert "nothing.txt" in response.json()["detail"]
