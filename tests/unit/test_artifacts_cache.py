"""The download cache: sizes, least-recently-used cleanup, leftovers of dead processes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from cairn.artifacts.cache import STALE_PARTIAL_S, ArtifactCache, parse_size
from cairn.artifacts.hashcache import HashCache
from cairn.cli.main import main
from cairn.errors import InvalidInputError


def _put(cache: ArtifactCache, data: bytes, used_at: float) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    partial = cache.partial_for(sha)
    partial.write_bytes(data)
    path = cache.commit(partial, sha)
    os.utime(path, (used_at, used_at))
    return path


def test_sizes_parse_in_decimal_and_binary_units() -> None:
    assert parse_size("10GB") == 10 * 10**9
    assert parse_size("500 MB") == 500 * 10**6
    assert parse_size("2GiB") == 2 * 2**30
    assert parse_size("1.5t") == int(1.5 * 10**12)
    assert parse_size("123") == 123
    for bad in ("", "ten GB", "5 XB", "-1GB"):
        with pytest.raises(InvalidInputError):
            parse_size(bad)


def test_cleanup_removes_least_recently_used_first(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "artifacts")
    now = time.time()
    old = _put(cache, b"a" * 100, now - 300)
    middle = _put(cache, b"b" * 100, now - 200)
    recent = _put(cache, b"c" * 100, now - 100)
    assert cache.size() == 300
    assert oct(old.stat().st_mode & 0o777) == oct(0o444)  # hard links must not be edited
    # a lookup is a use: the oldest file becomes the most recent
    assert cache.lookup(hashlib.sha256(b"a" * 100).hexdigest(), 100) == old
    assert cache.lookup(hashlib.sha256(b"a" * 100).hexdigest(), 99) is None
    result = cache.cleanup(150)
    assert (result.removed_files, result.removed_bytes, result.kept_bytes) == (2, 200, 100)
    assert old.exists()
    assert not middle.exists()
    assert not recent.exists()
    assert cache.cleanup(1000).removed_files == 0
    assert cache.cleanup(0).kept_bytes == 0
    assert not old.exists()


def test_cleanup_removes_stale_partials_and_staged_copies_only(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "artifacts")
    stale = cache.partial_for("ab" * 32)
    stale.write_bytes(b"half")
    fresh = cache.partial_for("cd" * 32)
    fresh.write_bytes(b"half")
    staging = cache.root / "staging"
    staging.mkdir()
    (staging / "old").write_bytes(b"s")
    (staging / "new").write_bytes(b"s")
    long_ago = time.time() - STALE_PARTIAL_S - 10
    for path in (stale, staging / "old"):
        os.utime(path, (long_ago, long_ago))
    result = cache.cleanup(10**9)
    assert result.removed_files == 2
    assert not stale.exists()
    assert fresh.exists()
    assert not (staging / "old").exists()
    assert (staging / "new").exists()


def test_cli_cleanup_uses_the_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAIRN_CACHE_DIR", str(tmp_path / "c"))
    cache = ArtifactCache()
    assert cache.root == tmp_path / "c" / "artifacts"
    _put(cache, b"x" * 2000, time.time() - 50)
    _put(cache, b"y" * 2000, time.time())
    assert main(["artifact", "cache", "cleanup", "--max-size", "3KB"]) == 0
    assert "removed 1 file(s)" in capsys.readouterr().out
    assert cache.size() == 2000
    assert main(["artifact", "cache", "cleanup", "--max-size", "lots"]) == 1


def test_cleanup_forgets_hashes_of_files_not_logged_for_a_month(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "artifacts")
    hashes = HashCache(cache.root)
    hashes.remember([("/data/old.bin", "1:2:3:4:5", "ab" * 32)])
    with sqlite3.connect(hashes.path) as conn:  # logged 31 days ago
        conn.execute("UPDATE hashes SET used_at = ?", (time.time() - 31 * 86400,))
    hashes.remember([("/data/new.bin", "1:3:3:4:5", "cd" * 32)])
    cache.cleanup(10**9)
    keys = {"/data/old.bin": "1:2:3:4:5", "/data/new.bin": "1:3:3:4:5"}
    assert hashes.lookup(keys) == {"/data/new.bin": "cd" * 32}
