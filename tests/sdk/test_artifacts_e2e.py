"""Artifacts end to end: the real SDK, a real server, SQLite. Logged online and offline (then
``cairn sync``), deduplicated by digest, used, downloaded through the cache, verified, edited,
deleted, and the ``cairn artifact`` CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cairn
from cairn.artifacts.cache import ArtifactCache
from cairn.cli.main import main
from cairn.errors import CairnError, ConflictError, NotFoundError
from cairn.sdk.settings import load_settings
from cairn.sdk.sync import sync_log
from cairn.server.store.blobs import LocalBlobStore
from cairn.wire import records
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.skipif(
    not hasattr(records, "ARTIFACT"),
    reason="needs the server side of artifacts (wire v2 artifact records); runs once merged",
)


@pytest.fixture
def env(
    server: ServerProcess, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ServerProcess:
    """The server as the default, an empty cache, a dataset folder in ``tmp_path/data``."""
    monkeypatch.setenv("CAIRN_BASE_URL", server.base_url)
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    for i in range(12):
        (data / "images" / f"{i}.png").write_bytes(f"png {i}".encode() * 100)
    (data / "labels.csv").write_text("id,label\n0,cat\n")
    return server


def _init(project: str = "vision", **kwargs: object) -> cairn.Run:
    return cairn.init(project=project, settings={"capture_system": False}, **kwargs)  # type: ignore[arg-type]


def test_log_wait_download_verify_and_dedup_by_digest(env: ServerProcess, tmp_path: Path) -> None:
    data = tmp_path / "data"
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    run = _init()
    art = cairn.Artifact("mnist", "dataset", description="digits", metadata={"rows": 12})
    art.add_dir(data, name="raw")
    art.add_file(weights, policy="immutable")
    art.add_reference((data / "labels.csv").as_uri(), name="refs/labels.csv")
    run.log_artifact(art, aliases=["best", "latest"])
    assert art.wait(timeout=60).version == "v0"
    assert art.path == "tester/vision/mnist:v0"
    again = cairn.Artifact("mnist", "dataset", metadata={"rows": "other metadata"})
    again.add_dir(data, name="raw")
    again.add_file(weights)
    again.add_reference((data / "labels.csv").as_uri(), name="refs/labels.csv")
    run.log_artifact(again)
    assert again.wait(timeout=60).version == "v0"  # same files: no new version
    run.finish()

    stored = cairn.Api().artifact("tester/vision/mnist:best")
    assert stored.version == "v0"
    assert stored.digest == art.digest
    assert stored.aliases == ["best"]
    assert stored.file_count == 15
    assert stored.metadata == {"rows": 12}
    root = stored.download(tmp_path / "out")
    assert (root / "raw" / "images" / "3.png").read_bytes() == b"png 3" * 100
    assert (root / "weights.bin").read_bytes() == weights.read_bytes()
    assert (root / "refs" / "labels.csv").read_text() == "id,label\n0,cat\n"
    stored.verify(root)
    logger = stored.logged_by()
    assert logger is not None
    assert logger.id == run.id
    assert [a.path for a in logger.logged_artifacts()] == ["tester/vision/mnist:v0"]

    labels = root / "raw" / "labels.csv"
    assert labels.stat().st_mode & 0o222 == 0  # the read-only cached file: no in-place edits
    labels.unlink()
    labels.write_text("id,label\n0,dog\n")
    (root / "extra.txt").write_text("x")
    with pytest.raises(CairnError, match=r"changed: raw/labels\.csv; not in the artifact: extra"):
        stored.verify(root)
    stored.download(root)  # puts the right file back
    (root / "extra.txt").unlink()
    stored.verify(root)


def test_use_downloads_through_the_cache_by_hard_link_and_skips_what_is_right(
    env: ServerProcess, tmp_path: Path
) -> None:
    producer = _init()
    art = cairn.Artifact("ds", "dataset")
    art.add_dir(tmp_path / "data")
    producer.log_artifact(art)
    producer.finish()

    consumer = _init()
    used = consumer.use_artifact("ds:latest", type="dataset")
    assert used.version == "v0"
    first = used.download(tmp_path / "one")
    cached = ArtifactCache().path_for(used.manifest.get("labels.csv").sha256 or "")
    assert (first / "labels.csv").stat().st_ino == cached.stat().st_ino
    before = (first / "images" / "0.png").stat()
    used.download(tmp_path / "one")  # nothing to do: every file is the cached one
    assert (first / "images" / "0.png").stat().st_mtime_ns == before.st_mtime_ns
    one = used.get_path("images/7.png").download(tmp_path / "single")
    assert one.read_bytes() == b"png 7" * 100
    assert sorted(p.name for p in (tmp_path / "single").rglob("*") if p.is_file()) == ["7.png"]
    assert [r.id for r in used.used_by()] == [consumer.id]
    consumer.finish()
    assert [a.path for a in cairn.Api().run(consumer.path).used_artifacts()] == [used.path]

    with pytest.raises(NotFoundError):
        _init().use_artifact("nope:v0")


def test_a_damaged_blob_fails_the_download_naming_the_file(
    env: ServerProcess, tmp_path: Path
) -> None:
    run = _init()
    art = cairn.Artifact("ds", "dataset")
    art.add_file(tmp_path / "data" / "labels.csv")
    run.log_artifact(art)
    run.finish()
    sha = art.manifest.get("labels.csv").sha256 or ""
    blob = LocalBlobStore(env.data_dir / "blobs").path_of(sha)
    blob.chmod(0o644)
    blob.write_text("id,label\n0,dog\n")  # same size, other bytes
    stored = cairn.Api().artifact("tester/vision/ds:v0")
    with pytest.raises(CairnError, match=r"labels\.csv"):
        stored.download(tmp_path / "out")
    assert not (tmp_path / "out" / "labels.csv").exists()
    assert ArtifactCache().size() == 0


def test_offline_then_sync_makes_the_version(env: ServerProcess, tmp_path: Path) -> None:
    run = _init(mode="offline")
    art = run.log_artifact(tmp_path / "data", name="offline-ds", type="dataset")
    with pytest.raises(CairnError, match="cairn sync"):
        art.wait(timeout=1)
    run.finish()
    sync_log(run.log_path, load_settings())
    stored = cairn.Api().artifact("tester/vision/offline-ds:latest")
    assert stored.version == "v0"
    assert stored.file_count == 13
    stored.download(tmp_path / "out")
    stored.verify(tmp_path / "out")


def test_aliases_description_and_delete(env: ServerProcess, tmp_path: Path) -> None:
    run = _init()
    for i in range(2):
        art = cairn.Artifact("model", "model")
        with art.new_file("w.txt") as handle:
            handle.write(f"weights {i}")
        run.log_artifact(art)
        art.wait(timeout=60)
    run.finish()
    api = cairn.Api()
    v0 = api.artifact("tester/vision/model:v0")
    v0.aliases.append("production")
    v0.description = "the first"
    v0.save()
    again = api.artifact("tester/vision/model:production")
    assert (again.version, again.description) == ("v0", "the first")
    assert api.artifact("tester/vision/model:latest").version == "v1"
    with pytest.raises(ConflictError):
        again.delete()
    again.delete(delete_aliases=True)
    with pytest.raises(NotFoundError):
        api.artifact("tester/vision/model:v0")
    (collection,) = api.artifacts("tester/vision", type="model")
    assert (collection.name, collection.version_count) == ("model", 1)
    assert api.artifact_types("tester/vision") == {"model": 1}


def test_cli_put_get_ls_rm(
    env: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["artifact", "put", str(data), "--name", "cli-ds", "--project", "tester/cli",
                 "--alias", "first"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip().endswith("tester/cli/cli-ds:v0")
    assert main(["artifact", "ls", "tester/cli"]) == 0
    assert "cli-ds\tdataset\t1 versions\tv0" in capsys.readouterr().out
    assert main(["artifact", "get", "tester/cli/cli-ds:first", "--root", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "labels.csv").read_text() == "id,label\n0,cat\n"
    assert main(["artifact", "rm", "tester/cli/cli-ds:v0", "--yes"]) == 1  # holds an alias
    assert main(["artifact", "rm", "tester/cli/cli-ds:v0", "--yes", "--delete-aliases"]) == 0
    assert main(["artifact", "get", "tester/cli/cli-ds:v0"]) == 1
