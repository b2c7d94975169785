"""Fill a server with artifacts through its real HTTP API: blobs by ``PUT /api/v1/blobs/{sha}``,
versions by wire v2 ingest batches holding ``artifact`` records (as the SDK's sender does), uses by
``POST …/use``. The SDK's ``cairn.Artifact`` is not used: these tests cover the web app, and the
batches are exactly what it sends.

``fill(client, entity, project)`` makes, in one project, the lineage
``mnist:v1 → train → resnet:v0 → evaluate → eval-report:v0`` (``prepare`` logged mnist v0 and v1),
a version holding ``SHARD_COUNT`` files (paging, prefix filter), ``doomed`` (v0 holds the alias
``keep``: deleting it is refused until asked with its aliases), ``editable`` (descriptions, TTL)
and ``FILLERS`` small artifacts of type ``table`` (the list's paging). Hostile text sits where
users write it: run names, descriptions, metadata values, file paths.

``fill_small(client, entity, project)`` makes ``checkpoint`` v0 (alias ``production``) and v1:
enough to move an alias.

``python -m tests.browser.seed_artifacts BASE_URL`` fills ``ENTITY/PROJECT`` of an open server.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
from typing import Any

import httpx

from cairn.wire import CONTENT_TYPE, encode_batch, encode_records
from cairn.wire.records import artifact_record

ENTITY = "tester"
PROJECT = "artifacts-demo"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_FILE = f"{XSS_IMG}.txt"
RUNS = {
    "prepare": "prep0001",
    "train": "train001",
    "evaluate": "eval0001",
}
TRAIN_NAME = f"train {XSS_IMG}"
SHARD_COUNT = 230
FILLERS = 52
MNIST_V0 = {
    "train/0.csv": b"a,b\n1,2\n",
    "train/1.csv": b"a,b\n3,4\n",
    "labels.json": b'{"0": "zero"}',
    XSS_FILE: b"not markup\n",
}
MNIST_V1 = {
    "train/0.csv": b"a,b\n1,2\n",
    "train/1.csv": b"a,b\n3,4\n5,6\n7,8\n",
    "test/0.csv": b"a,b\n9,9\n",
    XSS_FILE: b"not markup\n",
}
MNIST_METADATA = {"rows": 4, "source": XSS_IMG, "split": {"train": 0.9, "test": 0.1}}
WEIGHTS = os.urandom(2048)
REFERENCE = {
    "path": "pretrained/imagenet.pt",
    "ref": "s3://models/imagenet.pt",
    "checksum": "etag-1",
    "size": 1000,
}


def upload(client: httpx.Client, content: bytes) -> str:
    """Store a blob (the sender's first step); its sha256."""
    sha = hashlib.sha256(content).hexdigest()
    answer = client.put(f"/api/v1/blobs/{sha}", content=content)
    answer.raise_for_status()
    return sha


def entries(client: httpx.Client, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """Manifest entries of ``files``, their blobs uploaded."""
    return [
        {"path": path, "sha256": upload(client, content), "size": len(content)}
        for path, content in files.items()
    ]


def log_artifact(
    client: httpx.Client,
    entity: str,
    project: str,
    run_id: str,
    name: str,
    type_: str,
    listed: list[dict[str, Any]],
    **fields: Any,
) -> str:
    """Post one wire v2 batch holding an artifact record for ``run_id``; the version made."""
    record = artifact_record(os.urandom(16).hex(), name, type_, listed, time.time(), **fields)
    body = encode_batch(entity, project, run_id, os.urandom(16), 0, encode_records([list(record)]))
    answer = client.post("/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE})
    answer.raise_for_status()
    result = answer.json()
    if result["rejected"]:
        raise RuntimeError(f"the server rejected {name}: {result['rejected']}")
    return str(result["artifacts"][0]["version"])


def use(client: httpx.Client, entity: str, project: str, path: str, run_id: str) -> None:
    """Record that ``run_id`` used ``name:ver``."""
    name, ver = path.split(":")
    answer = client.post(
        f"/api/v1/artifacts/{entity}/{project}/{name}/versions/{ver}/use", json={"run": run_id}
    )
    answer.raise_for_status()


def fill(client: httpx.Client, entity: str = ENTITY, project: str = PROJECT) -> None:
    """Everything the artifact browser tests read (see the module's docstring)."""
    prep, train, evaluate = RUNS["prepare"], RUNS["train"], RUNS["evaluate"]
    log = functools.partial(log_artifact, client, entity, project)
    log(prep, "mnist", "dataset", entries(client, MNIST_V0), description=XSS_SCRIPT,
        metadata=MNIST_METADATA, aliases=["production"])  # fmt: skip
    log(prep, "mnist", "dataset", entries(client, MNIST_V1), description="digits, cleaned")
    use(client, entity, project, "mnist:v1", train)
    log(train, "resnet", "model", [*entries(client, {"weights.bin": WEIGHTS}), REFERENCE],
        metadata={"epochs": 3}, aliases=["best"])  # fmt: skip
    use(client, entity, project, "resnet:v0", evaluate)
    log(evaluate, "eval-report", "report", entries(client, {"report.md": b"# accuracy 0.91\n"}))
    for run_id, name in ((prep, "prepare"), (train, TRAIN_NAME), (evaluate, "evaluate")):
        answer = client.patch(f"/api/v1/runs/{entity}/{project}/{run_id}", json={"name": name})
        answer.raise_for_status()

    shard = upload(client, b"shard bytes")
    shards = [
        {"path": f"shard-{i:03d}.bin", "sha256": shard, "size": 11} for i in range(SHARD_COUNT)
    ]
    log(prep, "shards", "dataset", shards)

    log(prep, "doomed", "dataset", entries(client, {"a.txt": b"doomed 0"}), aliases=["keep"])
    log(prep, "doomed", "dataset", entries(client, {"a.txt": b"doomed 1"}))
    log(prep, "editable", "dataset", entries(client, {"e.txt": b"edit me"}))
    for i in range(FILLERS):
        log(prep, f"table-{i:02d}", "table", entries(client, {"t.csv": f"{i}\n".encode()}))


def fill_small(client: httpx.Client, entity: str, project: str) -> None:
    """``checkpoint`` v0 holding ``production``, and v1 (``latest``), logged by run ``ck000001``."""
    log_artifact(client, entity, project, "ck000001", "checkpoint", "model",
                 entries(client, {"w.bin": b"zero"}), aliases=["production"])  # fmt: skip
    log_artifact(client, entity, project, "ck000001", "checkpoint", "model",
                 entries(client, {"w.bin": b"one"}))  # fmt: skip


if __name__ == "__main__":
    with httpx.Client(base_url=sys.argv[1], timeout=30) as http:
        fill(http)
