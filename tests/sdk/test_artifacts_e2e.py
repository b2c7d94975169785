"""Artifacts end to end: the real SDK, a real server, SQLite. Logged online and offline (then
``cairn sync``), deduplicated by digest, used, downloaded through the cache, verified, edited,
deleted, and the ``cairn artifact`` CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import cairn
from cairn.artifacts.cache import ArtifactCache
from cairn.cli.main import main
from cairn.errors import CairnError, ConflictError, NotFoundError
from cairn.sdk.settings import load_settings
from cairn.sdk.sync import sync_log
from cairn.server.store.blobs import LocalBlobStore
from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real server on SQLite or PostgreSQL (the SDK suite's default is SQLite only)."""
    proc = start_server(tmp_path / "server", db_url=db_url)
    try:
        yield proc
    finally:
        proc.stop()


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


def _blob_puts(server: ServerProcess) -> float:
    """Blob uploads the server has answered so far: whole PUTs, batches and multipart parts
    (/metrics)."""
    answer = httpx.get(f"{server.base_url}/metrics", timeout=30)
    answer.raise_for_status()
    routes = {
        ("PUT", "/api/v1/blobs/{sha256}"),
        ("POST", "/api/v1/blobs/batch"),
        ("PUT", "/api/v1/uploads/{upload_id}/parts/{number}"),
    }
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == "cairn_http_requests_total"
        and (sample.labels.get("method"), sample.labels.get("route")) in routes
    )


def _stored(server: ServerProcess) -> int:
    """Blobs in the server's store."""
    return len(list((server.data_dir / "blobs").glob("??/??/*")))


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
    ArtifactCache().cleanup(0)  # logging kept the file in the cache: another machine's
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


def test_logging_the_same_folder_again_makes_no_version_and_uploads_nothing(
    env: ServerProcess, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = _init()
    before = _blob_puts(env)
    v0 = first.log_artifact(data, name="frames", type="dataset").wait(timeout=60)
    first.finish()
    assert _blob_puts(env) - before == 1  # one batch
    assert _stored(env) == 13  # 12 images and labels.csv, each distinct

    again = _init()
    before = _blob_puts(env)
    same = again.log_artifact(data, name="frames", type="dataset").wait(timeout=60)
    again.finish()
    assert _blob_puts(env) - before == 0
    assert (same.version, same.digest) == ("v0", v0.digest)
    (collection,) = cairn.Api().artifacts("tester/vision")
    assert collection.version_count == 1


def test_a_version_sharing_most_files_uploads_only_the_changed_ones(
    env: ServerProcess, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    run = _init()
    run.log_artifact(data, name="frames", type="dataset").wait(timeout=60)
    (data / "images" / "3.png").write_bytes(b"redrawn")
    (data / "images" / "new.png").write_bytes(b"a new frame")
    before, stored = _blob_puts(env), _stored(env)
    v1 = run.log_artifact(data, name="frames", type="dataset").wait(timeout=60)
    assert (_blob_puts(env) - before, _stored(env) - stored) == (1, 2)  # one batch of two
    run.finish()
    assert v1.version == "v1"
    assert v1.file_count == 14
    root = cairn.Api().artifact("tester/vision/frames:v1").download(tmp_path / "out")
    assert (root / "images" / "3.png").read_bytes() == b"redrawn"
    assert (root / "images" / "4.png").read_bytes() == b"png 4" * 100


def test_a_corrupted_cache_file_is_caught_by_verify_and_replaced_by_a_download(
    env: ServerProcess, tmp_path: Path
) -> None:
    run = _init()
    art = run.log_artifact(tmp_path / "data", name="ds", type="dataset").wait(timeout=60)
    run.finish()
    root = art.download(tmp_path / "out")
    art.verify(root)
    sha = art.manifest.get("images/5.png").sha256 or ""
    cached = ArtifactCache().path_for(sha)
    cached.chmod(0o644)
    cached.write_bytes(b"bit rot" * 71 + b"xxx")  # same size (500 bytes), other content
    cached.chmod(0o444)
    with pytest.raises(CairnError, match=r"changed: images/5\.png"):
        art.verify(root)  # the download shares the cached inode, so it changed too
    cached.unlink()  # what a user does with a damaged cache file: drop it
    art.download(root)
    art.verify(root)
    assert cached.read_bytes() == b"png 5" * 100


def test_cli_cache_cleanup_keeps_the_most_recently_used(
    env: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["artifact", "put", str(data), "--name", "ds", "--project", "tester/cli"]) == 0
    assert main(["artifact", "get", "tester/cli/ds:v0", "--root", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    cache = ArtifactCache()
    assert cache.size() == 10 * 500 + 2 * 600 + len("id,label\n0,cat\n")
    art = cairn.Api().artifact("tester/cli/ds:v0")
    art.get_path("images/7.png").download(tmp_path / "again")  # now the most recently used
    assert main(["artifact", "cache", "cleanup", "--max-size", "510"]) == 0
    assert "kept in" in capsys.readouterr().out
    assert cache.size() == 500
    assert cache.path_for(art.manifest.get("images/7.png").sha256 or "").is_file()
    assert main(["artifact", "cache", "cleanup", "--max-size", "0"]) == 0
    assert cache.size() == 0
    assert main(["artifact", "cache", "cleanup", "--max-size", "lots"]) == 1
    assert main(["artifact", "get", "tester/cli/ds:v0", "--root", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "images" / "0.png").read_bytes() == b"png 0" * 100


def test_lineage_follows_data_from_a_dataset_through_a_training_run_to_a_model(
    env: ServerProcess, tmp_path: Path
) -> None:
    prep = _init(job_type="prep")
    dataset = prep.log_artifact(tmp_path / "data", name="ds", type="dataset").wait(timeout=60)
    prep.finish()
    train = _init(job_type="train")
    train.use_artifact("ds:v0")
    model = cairn.Artifact("net", "model")
    with model.new_file("w.txt") as handle:
        handle.write("weights")
    train.log_artifact(model).wait(timeout=60)
    train.finish()

    api = cairn.Api()
    stored_ds = api.artifact("tester/vision/ds:v0")
    stored_model = api.artifact("tester/vision/net:latest")
    assert [r.id for r in stored_ds.used_by()] == [train.id]
    assert stored_model.used_by() == []
    ds_logger, model_logger = stored_ds.logged_by(), stored_model.logged_by()
    assert ds_logger is not None
    assert ds_logger.id == prep.id
    assert model_logger is not None
    assert model_logger.id == train.id
    trained = api.run(train.path)
    assert [a.path for a in trained.used_artifacts()] == [dataset.path]
    assert [a.path for a in trained.logged_artifacts()] == ["tester/vision/net:v0"]
    assert [a.path for a in api.run(prep.path).logged_artifacts()] == [dataset.path]
    assert api.run(prep.path).used_artifacts() == []
