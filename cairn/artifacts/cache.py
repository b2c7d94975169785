"""The local, content-addressed cache of downloaded artifact files.

``<cache dir>/artifacts/<sha256[:2]>/<sha256>``, read-only (a file hard-linked into a download
folder shares the inode: an in-place edit there would change the cache too). Bounded by
``cleanup(max_bytes)``, which removes the least recently used files first; a use sets a file's
access time explicitly, so ``noatime`` mounts do not matter.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cairn.artifacts.hashcache import STALE_S as HASHES_STALE_S
from cairn.artifacts.hashcache import HashCache
from cairn.artifacts.staging import cache_dir
from cairn.errors import InvalidInputError

STALE_PARTIAL_S: Final = 24 * 3600.0
"""Partial downloads and staged copies older than this are leftovers of a process that died."""

_UNITS: Final = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
                 "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}  # fmt: skip
_SIZE_RE: Final = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?)?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of ``10GB``, ``500MiB``, ``1.5T`` or ``123`` (KB/MB/GB are powers of 1000)."""
    match = _SIZE_RE.match(text)
    if match is None:
        raise InvalidInputError(f"{text!r} is not a size: write e.g. 10GB, 500MB or 2GiB")
    return int(float(match[1]) * _UNITS[(match[2] or "").lower()])


@dataclass(frozen=True, slots=True)
class CleanupResult:
    """What a cleanup removed and what is left."""

    removed_files: int
    removed_bytes: int
    kept_bytes: int


class ArtifactCache:
    """The cache at ``root`` (default: ``cache_dir()/artifacts``); safe across processes:
    files appear by atomic rename and are only ever removed whole."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else cache_dir() / "artifacts"
        self._root = os.fspath(self.root)

    def path_for(self, sha256: str) -> Path:
        """Where the file with ``sha256`` is (or would be) kept."""
        return self.root / sha256[:2] / sha256

    def lookup(self, sha256: str, size: int) -> Path | None:
        """The cached file when it is there with the right size (and mark it used)."""
        found = self.find(sha256, size)
        return None if found is None else Path(found)

    def find(self, sha256: str, size: int) -> str | None:
        """``lookup`` as a path string (no Path objects: many thousand calls per download)."""
        path = f"{self._root}/{sha256[:2]}/{sha256}"
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if stat.st_size != size:
            return None
        with contextlib.suppress(OSError):  # a read-only cache still serves
            # in nanoseconds: a float mtime would round, and hard links share it
            os.utime(path, ns=(time.time_ns(), stat.st_mtime_ns))
        return path

    def partial_for(self, sha256: str) -> Path:
        """A fresh partial file to download ``sha256`` into (then ``commit`` it)."""
        folder = self.root / sha256[:2]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f".{sha256}.partial-{os.getpid()}-{os.urandom(4).hex()}"

    def commit(self, partial: Path, sha256: str) -> Path:
        """Move a verified partial download into place (read-only)."""
        target = self.path_for(sha256)
        os.chmod(partial, 0o444)
        partial.replace(target)
        return target

    def store(self, sha256: str, data: bytes) -> Path:
        """Keep ``data`` (already checked to hash to ``sha256``) as the cached file."""
        partial = self.partial_for(sha256)
        try:
            partial.write_bytes(data)
            return self.commit(partial, sha256)
        finally:
            partial.unlink(missing_ok=True)

    def _files(self) -> Iterator[tuple[Path, os.stat_result]]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir() or len(folder.name) != 2:
                continue  # the staging folder and anything not ours
            for path in folder.iterdir():
                try:
                    yield path, path.stat()
                except OSError:
                    continue  # removed meanwhile

    def size(self) -> int:
        """Bytes the cached files take."""
        return sum(stat.st_size for path, stat in self._files() if not path.name.startswith("."))

    def cleanup(self, max_bytes: int) -> CleanupResult:
        """Remove least recently used files until at most ``max_bytes`` are kept, plus partial
        downloads and staged copies left for more than a day, and hashes of files not logged
        for a month."""
        if max_bytes < 0:
            raise InvalidInputError("the cache's maximum size must be >= 0")
        now = time.time()
        HashCache(self.root).prune(now - HASHES_STALE_S)
        removed = removed_bytes = 0
        entries: list[tuple[float, int, Path]] = []
        for path, stat in self._files():
            if path.name.startswith("."):
                if now - stat.st_mtime > STALE_PARTIAL_S and _unlink(path):
                    removed += 1
                    removed_bytes += stat.st_size
                continue
            entries.append((stat.st_atime, stat.st_size, path))
        removed_staged, staged_bytes = self._cleanup_staging(now)
        removed += removed_staged
        removed_bytes += staged_bytes
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= max_bytes:
                break
            if _unlink(path):
                removed += 1
                removed_bytes += size
                total -= size
        return CleanupResult(removed, removed_bytes, total)

    def _cleanup_staging(self, now: float) -> tuple[int, int]:
        staging = self.root / "staging"
        removed = removed_bytes = 0
        if not staging.is_dir():
            return 0, 0
        for path in staging.iterdir():
            try:
                stat = path.stat()
            except OSError:
                continue
            if now - stat.st_mtime > STALE_PARTIAL_S and _unlink(path):
                removed += 1
                removed_bytes += stat.st_size
        return removed, removed_bytes


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True
