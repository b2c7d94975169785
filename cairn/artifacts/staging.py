"""Hashing files into an artifact: copy-while-hashing into staging, or hashing in place.

``policy="mutable"`` copies each file into ``<run dir>/artifact-staging/<sha256>`` (or, before
any run exists, the cache's staging folder) while hashing it, so what is uploaded is what was
added, whatever happens to the source later. ``policy="immutable"`` hashes the file where it is
and remembers its size and mtime, so the sender can tell when the promise was broken. Many files
are hashed by a thread pool: hashing and file I/O release the GIL.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TypeVar

from cairn.artifacts.entries import Source
from cairn.errors import InvalidInputError

POLICIES: Final = ("mutable", "immutable")
STAGING_DIR: Final = "artifact-staging"
_CHUNK: Final = 1 << 20
T = TypeVar("T")
R = TypeVar("R")


def cache_dir() -> Path:
    """Cairn's cache: ``$CAIRN_CACHE_DIR``, else ``$XDG_CACHE_HOME/cairn``, else
    ``~/.cache/cairn``."""
    if os.environ.get("CAIRN_CACHE_DIR"):
        return Path(os.environ["CAIRN_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cairn"


def staging_dir(run_dir: Path | None) -> Path:
    """Where staged copies go: the run's staging folder, or the cache's when no run is active."""
    if run_dir is not None:
        return run_dir / STAGING_DIR
    return cache_dir() / "artifacts" / "staging"


def stage_copy(source: Path, staging: Path) -> tuple[str, Source]:
    """Copy ``source`` into ``staging`` while hashing it; (sha256, where the copy is)."""
    staging.mkdir(parents=True, exist_ok=True)
    partial = staging / f".partial-{os.getpid()}-{os.urandom(6).hex()}"
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src, partial.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        target = staging / sha
        if target.is_file() and target.stat().st_size == size:
            partial.unlink()  # content-addressed: the same bytes are staged already
        else:
            partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return sha, Source(target, size)


def hash_in_place(source: Path) -> tuple[str, Source]:
    """Hash ``source`` where it is; (sha256, the file with the size and mtime it had)."""
    before = source.stat()
    with source.open("rb") as handle:
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    after = source.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise InvalidInputError(f"{source} changed while it was being hashed; add it again once "
                                "it is written, or use policy='mutable'")  # fmt: skip
    return sha, Source(source.resolve(), after.st_size, after.st_mtime_ns)


def source_changed(source: Source) -> bool:
    """Whether an in-place file no longer has the size and mtime it had when hashed (a staged
    copy: whether it is gone or has another size)."""
    try:
        stat = source.path.stat()
    except OSError:
        return True
    if stat.st_size != source.size:
        return True
    return source.mtime_ns is not None and stat.st_mtime_ns != source.mtime_ns


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def workers() -> int:
    """Threads for hashing and transfers: enough to keep disks and network busy."""
    return min(16, 2 * (os.cpu_count() or 2))


def in_parallel(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``fn`` over ``items`` on a thread pool (in order); the first error is raised."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    # imported here, not at module level: the sender thread imports this module, and importing
    # concurrent.futures registers an atexit hook, which fails once the interpreter is exiting
    # (a short script's run would then never be sent)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers(), len(items))) as pool:
        return list(pool.map(fn, items))


def hash_files(sources: Sequence[Path], policy: str, staging: Path) -> list[tuple[str, Source]]:
    """Hash (and for ``mutable``, stage) each file; in the order given."""
    if policy not in POLICIES:
        raise InvalidInputError(f"policy must be one of {list(POLICIES)}, got {policy!r}")
    if policy == "immutable":
        return in_parallel(hash_in_place, sources)
    return in_parallel(lambda source: stage_copy(source, staging), sources)


def adopt(source: Source, staging: Path, sha256: str) -> Source:
    """A staged copy moved into ``staging`` (a run's) by hard link, else by copy."""
    if source.mtime_ns is not None or source.path.parent == staging:
        return source
    target = staging / sha256
    if target.is_file() and target.stat().st_size == source.size:
        return Source(target, source.size)
    staging.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source.path, target)
    except FileExistsError:
        target.unlink()
        os.link(source.path, target)
    except OSError:
        sha, copied = stage_copy(source.path, staging)
        if sha != sha256:
            raise InvalidInputError(
                f"the staged copy of {sha256} is damaged; add the file again"
            ) from None
        return copied
    return Source(target, source.size)


def sources_path(run_dir: Path, record_id: str) -> Path:
    """The sidecar naming the in-place files of one artifact record."""
    return run_dir / STAGING_DIR / f"{record_id}.sources.json"


def write_sources(run_dir: Path, record_id: str, sources: dict[str, Source]) -> None:
    """Write the sidecar of ``record_id``: sha256 → in-place file, size and mtime."""
    sidecar = sources_path(run_dir, record_id)
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    data = {sha: [str(s.path), s.size, s.mtime_ns] for sha, s in sources.items()}
    partial = sidecar.with_suffix(".partial")
    partial.write_text(json.dumps(data))
    partial.replace(sidecar)


def read_sources(run_dir: Path, record_id: str) -> dict[str, Source]:
    """The sidecar of ``record_id`` ({} when there is none)."""
    try:
        data = json.loads(sources_path(run_dir, record_id).read_text())
        return {
            sha: Source(Path(p), int(size), int(mtime)) for sha, (p, size, mtime) in data.items()
        }
    except (OSError, ValueError, TypeError):
        return {}
