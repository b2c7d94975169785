"""Building artifacts: names, manifest paths, staging, in-place hashing, the digest."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import cairn
from cairn.artifacts import staging
from cairn.artifacts.hashcache import HashCache, stat_key
from cairn.artifacts.names import check_alias, clean_aliases, parse_ref
from cairn.artifacts.staging import STAGING_DIR
from cairn.errors import InvalidInputError
from cairn.wire import check_artifact_path
from cairn.wire.artifacts import manifest_digest


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache; no run is active, so drafts stage into the cache's staging folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(folder))
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_references_parse_with_defaults_and_reject_bad_names() -> None:
    ref = parse_ref("mnist:v3", "alice", "vision")
    assert (ref.entity, ref.project, ref.name, ref.version) == ("alice", "vision", "mnist", "v3")
    assert parse_ref("mnist", "alice", "vision").version == "latest"
    assert parse_ref("other/mnist:best", "alice", "vision").path == "alice/other/mnist:best"
    assert parse_ref("bob/p/model:v0").path == "bob/p/model:v0"
    for bad in ("a/b/c/d:v1", "mnist:", "../x:v1", "mn ist:v1", "a//b:v1"):
        with pytest.raises(InvalidInputError):
            parse_ref(bad, "alice", "vision")
    with pytest.raises(InvalidInputError, match="project"):
        parse_ref("mnist:v1")


def test_aliases_refuse_versions_and_latest_but_logging_drops_latest() -> None:
    assert check_alias("best") == "best"
    for bad in ("v3", "latest", "a/b", "x..y", ""):
        with pytest.raises(InvalidInputError):
            check_alias(bad)
    assert clean_aliases(["latest", "best", "best", "prod"]) == ["best", "prod"]
    assert clean_aliases("best") == ["best"]


@pytest.mark.parametrize(
    "path",
    [
        "/abs",
        "a/../b",
        "./a",
        "a//b",
        "a\\b",
        "a/\x01",
        "%2e%2e/x",
        "a/%2E%2E/b",
        "%252e%252e/x",
        "a%2f..%2fb",
        "a%00b",
        "a%5cb",
        "a/%2e",
    ],
)
def test_manifest_paths_refuse_escapes_also_percent_encoded(path: str) -> None:
    with pytest.raises(InvalidInputError):
        check_artifact_path(path)


def test_manifest_paths_accept_ordinary_names() -> None:
    for path in ("a.txt", "data/train/0001.png", "odd name (1).csv", "100%.txt", "a%2Fb"):
        assert check_artifact_path(path) == path


def test_digest_is_the_designs_formula_and_order_free() -> None:
    entries = [
        {"path": "b.txt", "sha256": "b" * 64, "size": 1},
        {"path": "a.txt", "sha256": "a" * 64, "size": 2},
        {"path": "r", "ref": "https://x/y", "checksum": "etag:1", "size": 3},
    ]
    text = f"cairn-manifest-v1\na.txt\t{'a' * 64}\nb.txt\t{'b' * 64}\nr\tref:https://x/y#etag:1\n"
    assert manifest_digest(entries) == hashlib.sha256(text.encode()).hexdigest()
    assert manifest_digest(reversed(entries)) == manifest_digest(entries)


def test_mutable_files_are_staged_by_content_and_later_edits_change_nothing(
    tmp_path: Path, cache: Path
) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"v1 weights")
    art = cairn.Artifact("model", "model", metadata={"acc": 0.9})
    added = art.add_file(source)
    assert added.path == "weights.bin"
    assert added.sha256 == _sha(b"v1 weights")
    staged = cache / "artifacts" / "staging" / _sha(b"v1 weights")
    assert staged.read_bytes() == b"v1 weights"
    digest = art.digest
    source.write_bytes(b"v2 weights, longer")
    assert staged.read_bytes() == b"v1 weights"
    assert art.digest == digest
    entry = art.manifest.get("weights.bin")
    assert entry is not None
    assert entry.local is not None
    assert entry.local.path == staged
    # the same files and another description or metadata: the same digest
    other = cairn.Artifact("model", "model", description="x", metadata={"acc": 0.1})
    other.add_file(staged, name="weights.bin")
    assert other.digest == digest


def test_add_dir_names_files_under_a_prefix_and_hashes_many_in_parallel(
    tmp_path: Path, cache: Path
) -> None:
    folder = tmp_path / "data"
    for i in range(40):
        (folder / f"part{i % 3}").mkdir(parents=True, exist_ok=True)
        (folder / f"part{i % 3}" / f"{i}.txt").write_text(f"row {i}")
    art = cairn.Artifact("ds", "dataset")
    files = art.add_dir(folder, name="train")
    assert len(files) == 40 == len(art.manifest)
    assert art.manifest.get("train/part1/4.txt") is not None
    assert {f.sha256 for f in files} == {_sha(f"row {i}".encode()) for i in range(40)}
    assert art.manifest.size == sum(len(f"row {i}") for i in range(40))
    bare = cairn.Artifact("ds", "dataset")
    bare.add_dir(folder)
    assert [e.path for e in bare.manifest][:2] == ["part0/0.txt", "part0/12.txt"]


def test_immutable_files_are_hashed_in_place_without_a_copy(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 100_000)
    art = cairn.Artifact("big", "dataset")
    art.add_file(source, policy="immutable")
    entry = art.manifest.get("big.bin")
    assert entry is not None
    assert entry.local is not None
    assert entry.local.path == source.resolve()
    assert entry.local.mtime_ns == source.stat().st_mtime_ns
    assert not (cache / "artifacts" / "staging").exists()
    with pytest.raises(InvalidInputError, match="policy"):
        art.add_file(source, policy="sometimes")


def test_remove_new_file_and_refused_names(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "a" / "y.txt").write_text("y")
    art = cairn.Artifact("t", "dataset")
    art.add_dir(tmp_path / "a", name="sub")
    with art.new_file("labels.json") as handle:
        handle.write('{"cat": 0}')
    entry = art.manifest.get("labels.json")
    assert entry is not None
    assert entry.sha256 == _sha(b'{"cat": 0}')
    art.remove("sub/")
    assert [e.path for e in art.manifest] == ["labels.json"]
    with pytest.raises(InvalidInputError, match="no file"):
        art.remove("sub/x.txt")
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("fresh")
    with pytest.raises(InvalidInputError):
        art.add_file(fresh, name="../escape.txt")
    with pytest.raises(InvalidInputError):
        art.add_file(fresh, name="%2e%2e/escape.txt")
    assert not (cache / "artifacts" / "staging" / _sha(b"fresh")).exists()  # refused before
    with pytest.raises(InvalidInputError):
        cairn.Artifact("bad/name", "dataset")
    with pytest.raises(InvalidInputError):
        cairn.Artifact("ok", "bad:type")


def test_a_draft_stages_into_the_active_runs_folder(tmp_path: Path, workdir: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("hello")
    run = cairn.init(project="p", mode="offline")
    try:
        art = cairn.Artifact("t", "dataset")
        art.add_file(source)
        assert (run.dir / STAGING_DIR / _sha(b"hello")).read_text() == "hello"
    finally:
        run.finish()


def test_an_unchanged_file_is_not_read_again_and_a_rewritten_one_is(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # files written just before count as settled here (the default waits 2 s of file clock)
    monkeypatch.setattr(staging, "SETTLED_NS", 0)
    alpha, beta = tmp_path / "alpha.txt", tmp_path / "beta.txt"
    alpha.write_bytes(b"alpha")
    beta.write_bytes(b"beta!")
    cairn.Artifact("a", "dataset").add_dir(tmp_path)
    hashes = HashCache(cache / "artifacts")
    keys = {str(p): stat_key(p.stat()) for p in (alpha, beta)}
    assert hashes.lookup(keys) == {str(alpha): _sha(b"alpha"), str(beta): _sha(b"beta!")}
    # the cache is believed while the stat is the same: told alpha holds beta's bytes, the next
    # add takes that without reading alpha (and stages the cached copy of beta)
    hashes.remember([(str(alpha), keys[str(alpha)], _sha(b"beta!"))])
    again = cairn.Artifact("a", "dataset").add_file(alpha)
    assert again.sha256 == _sha(b"beta!")
    # a rewrite of the same size with the mtime put back still moves the ctime: read again
    mtime = alpha.stat().st_mtime_ns
    alpha.write_bytes(b"ALPHA")
    os.utime(alpha, ns=(mtime, mtime))
    assert cairn.Artifact("a", "dataset").add_file(alpha).sha256 == _sha(b"ALPHA")


def test_a_file_written_just_now_is_hashed_again_next_time(tmp_path: Path, cache: Path) -> None:
    fresh = tmp_path / "fresh.txt"
    fresh.write_bytes(b"fresh")  # a write in the same clock tick could leave its stat as is
    art = cairn.Artifact("a", "dataset")
    art.add_file(fresh)
    key = {str(fresh): stat_key(fresh.stat())}
    assert HashCache(cache / "artifacts").lookup(key) == {}
    # the staged copy is the cache's read-only file, hard-linked
    entry = art.manifest.get("fresh.txt")
    assert entry is not None
    assert entry.local is not None
    kept = cache / "artifacts" / _sha(b"fresh")[:2] / _sha(b"fresh")
    assert entry.local.path.stat().st_ino == kept.stat().st_ino
    assert kept.stat().st_mode & 0o222 == 0


def test_add_dir_follows_links_but_never_loops(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.txt").write_text("x")
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "y.txt").write_text("y")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    art = cairn.Artifact("a", "dataset")
    art.add_dir(folder)
    assert [e.path for e in art.manifest] == ["linked/y.txt", "sub/x.txt"]


def test_immutable_files_use_the_hash_cache_too(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "SETTLED_NS", 0)
    source = tmp_path / "shards.tar"
    source.write_bytes(b"shard bytes")
    cairn.Artifact("a", "dataset").add_file(source, policy="immutable")
    key = stat_key(source.stat())
    HashCache(cache / "artifacts").remember([(str(source), key, "ee" * 32)])
    entry = cairn.Artifact("a", "dataset").add_file(source, policy="immutable").entry
    assert entry.sha256 == "ee" * 32  # taken from the cache: the file was not read
    assert entry.local is not None
    assert (entry.local.path, entry.local.mtime_ns) == (source, source.stat().st_mtime_ns)
    assert not (cache / "artifacts" / "staging").exists()  # still no copy
