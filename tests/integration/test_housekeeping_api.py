"""Archive, bulk changes, disk use and blob collection over HTTP and `cairn server gc`."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import httpx
import pytest

from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch

PROJECT = "/api/v1/projects/team/proj"
RUNS = PROJECT + "/runs"


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    for i in range(4):
        records = [["run", {"tags": ["t"]}], history_record([(0, 1.0, {"loss": float(i)})])]
        post_batch(client, records, 0, new_stream(), run_id=f"run{i:05d}")
    return client


def _ids(client: httpx.Client, **params: str) -> list[str]:
    page = client.get(RUNS, params={"order": "id", **params})
    assert page.status_code == 200, page.text
    return [run["id"] for run in page.json()["runs"]]


def _bulk(client: httpx.Client, **body: object) -> httpx.Response:
    return client.post(RUNS + "/bulk", json=body)


def test_archive_one_run_and_restore_it(client: httpx.Client) -> None:
    edited = client.patch("/api/v1/runs/team/proj/run00001", json={"archived": True})
    assert edited.status_code == 200
    assert edited.json()["archived_at"] is not None
    assert _ids(client) == ["run00000", "run00002", "run00003"]
    assert _ids(client, archived="only") == ["run00001"]
    assert client.get("/api/v1/runs/team/proj/run00001").json()["archived_at"] is not None
    groups = client.post(RUNS + "/groups", json={"group_by": "state"}).json()
    assert groups["groups"][0]["count"] == 3
    client.patch("/api/v1/runs/team/proj/run00001", json={"archived": False})
    assert _ids(client) == ["run00000", "run00001", "run00002", "run00003"]
    assert _ids(client, expression="archived_at exists") == []


def test_bulk_actions(client: httpx.Client) -> None:
    assert _bulk(client, runs=["run00000", "run00001"], action="tag", tags=["best"]).json() == {
        "changed": 2
    }
    assert _ids(client, expression="tags = best") == ["run00000", "run00001"]
    assert _bulk(client, runs=["run00001"], action="untag", tags=["best", "t"]).status_code == 200
    assert client.get("/api/v1/runs/team/proj/run00001").json()["tags"] == []
    assert _bulk(client, runs=["run00002", "run00003"], action="archive").json()["changed"] == 2
    assert _ids(client) == ["run00000", "run00001"]
    assert _bulk(client, runs=["run00002"], action="restore").json()["changed"] == 1
    moved = _bulk(client, runs=["run00000"], action="move", project="other")
    assert moved.json() == {"changed": 1}
    assert client.get("/api/v1/runs/team/other/run00000").json()["tags"] == ["t", "best"]
    assert _bulk(client, runs=["run00001", "run00002"], action="delete").json()["changed"] == 2
    assert _ids(client, archived="include") == ["run00003"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"runs": ["run00000", "nope0000"], "action": "archive"}, 404, "nope0000"),
        ({"runs": ["run00000"], "action": "tag"}, 400, "needs tags"),
        ({"runs": ["run00000"], "action": "move"}, 400, "target project"),
        ({"runs": [], "action": "delete"}, 422, "runs"),
        ({"runs": ["run00000"], "action": "explode"}, 422, "action"),
        ({"runs": ["run00000"], "action": "move", "project": "bad name!"}, 422, "body.project"),
    ],
)
def test_bad_bulk_requests_change_nothing(
    client: httpx.Client, body: dict[str, object], status: int, message: str
) -> None:
    response = client.post(RUNS + "/bulk", json=body)
    assert response.status_code == status, response.text
    assert message in response.text
    assert _ids(client) == ["run00000", "run00001", "run00002", "run00003"]


def test_archived_projects_and_disk_use(client: httpx.Client) -> None:
    data = b"model weights"
    sha = hashlib.sha256(data).hexdigest()
    assert client.put(f"/api/v1/blobs/{sha}", content=data).status_code == 200
    record = ["file", {"path": "model.bin", "sha256": sha, "size": len(data)}]
    assert post_batch(client, [record], 0, new_stream(), run_id="run00000").json()["applied"] == 1
    usage = client.get(PROJECT + "/usage").json()
    assert usage["runs"] == 4
    assert usage["files"] == 1
    assert usage["blob_bytes"] == len(data)
    assert usage["series"] == 4
    assert usage["series_bytes"] > 0

    assert client.patch(PROJECT, json={"archived": True}).json()["archived_at"] is not None
    assert [p["name"] for p in client.get("/api/v1/projects").json()["projects"]] == []
    listed = client.get("/api/v1/projects", params={"archived": "only"}).json()["projects"]
    assert [p["name"] for p in listed] == ["proj"]
    assert client.get(PROJECT).json()["archived_at"] is not None
    assert client.patch(PROJECT, json={"archived": False}).json()["archived_at"] is None


def test_gc_command_removes_files_of_deleted_runs(
    client: httpx.Client, server: ServerProcess, db_url: str
) -> None:
    data = b"checkpoint of a run about to be deleted"
    sha = hashlib.sha256(data).hexdigest()
    client.put(f"/api/v1/blobs/{sha}", content=data)
    record = ["file", {"path": "ckpt.pt", "sha256": sha, "size": len(data)}]
    post_batch(client, [record], 0, new_stream(), run_id="run00003")
    gc = [sys.executable, "-m", "cairn.cli.main", "server", "gc", "--data-dir"]
    args = [*gc, str(server.data_dir), "--db", db_url, "--grace", "0"]
    kept = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    assert "removed 0 unreferenced blobs" in kept.stdout
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 200
    assert client.delete("/api/v1/runs/team/proj/run00003").status_code == 204
    gone = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    assert f"removed 1 unreferenced blobs ({len(data)} bytes)" in gone.stdout
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 404
    bad = subprocess.run([*args[:-1], "-5"], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "--grace must be >= 0" in bad.stderr
    assert "Traceback" not in bad.stderr
