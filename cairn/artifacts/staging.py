"""Hashing files into an artifact: copy-while-hashing into staging, or hashing in place.

``policy="mutable"`` copies each file while hashing it into the artifact cache (read-only, by
sha256) and hard-links that copy as ``<run dir>/artifact-staging/<sha256>`` (or, before any run
exists, into the cache's staging folder), so what is uploaded is what was added, whatever
happens to the source later. ``policy="immutable"`` hashes the file where it is and remembers
its size and mtime, so the sender can tell when the promise was broken. A file the hash cache
knows unchanged is not read again (``hashcache``). Many files are hashed by a thread pool:
hashing and file I/O release the GIL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TypeVar

from cairn.artifacts.entries import Source
from cairn.artifacts.hashcache import HashCache, stat_key
from cairn.errors import InvalidInputError

POLICIES: Final = ("mutable", "immutable")
SETTLED_NS: Final = 2 * 10**9
"""A file written less than this before it is hashed is hashed again next time (coarse file
clocks: FAT's is 2 s)."""
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


def stage_copy(source: Path, staging: Path, store: Path | None = None) -> tuple[str, Source]:
    """Copy ``source`` while hashing it; (sha256, its staged copy in ``staging``).

    With ``store`` (the artifact cache) the copy is kept there too, read-only under its sha256,
    and hard-linked into ``staging``: a later log of the same file links it again instead of
    copying (design 0017). A store that cannot be written is skipped.
    """
    if store is not None:
        try:
            sha, kept = _copy_hashing(source, store / "staging")
            stored = _keep(kept, store / sha[:2] / sha)
            return sha, link_staged(stored, staging, sha, os.stat(stored).st_size)
        except (PermissionError, FileNotFoundError):  # a read-only cache, or one just cleaned
            pass
    sha, partial = _copy_hashing(source, staging)
    target = staging / sha
    size = partial.stat().st_size
    if target.is_file() and target.stat().st_size == size:
        partial.unlink()  # content-addressed: the same bytes are staged already
    else:
        partial.replace(target)
    return sha, Source(target, size)


def _copy_hashing(source: Path, folder: Path) -> tuple[str, Path]:
    """Copy ``source`` to a new partial file in ``folder``; (sha256, the partial file)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".partial-{os.getpid()}-{os.urandom(6).hex()}"
    digest = hashlib.sha256()
    try:
        with source.open("rb") as src, partial.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), partial


def _keep(partial: Path, target: Path) -> Path:
    """A verified partial file as the read-only ``target`` (dropped when that is there)."""
    try:
        if target.is_file() and target.stat().st_size == partial.stat().st_size:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(partial, 0o444)  # hard-linked elsewhere: an edit there must not change it
        partial.replace(target)
        return target
    finally:
        partial.unlink(missing_ok=True)


def link_staged(stored: str | Path, staging: Path, sha256: str, size: int) -> Source:
    """The file ``stored`` (ours, content-addressed) as ``staging/<sha256>``: a hard link, or a
    copy across filesystems; FileNotFoundError when ``stored`` is gone."""
    target = staging / sha256
    try:
        os.link(stored, target)  # the common case: one call
        return Source(target, size)
    except FileExistsError:
        if os.stat(target).st_size == size:
            return Source(target, size)
    except FileNotFoundError:
        if staging.is_dir():
            raise  # the stored file is gone
        staging.mkdir(parents=True, exist_ok=True)
        return link_staged(stored, staging, sha256, size)
    except OSError:  # another filesystem, or no hard links there: a copy, below
        pass
    temporary = staging / f".link-{os.getpid()}-{os.urandom(6).hex()}"
    try:
        try:
            os.link(stored, temporary)
        except FileNotFoundError:
            raise
        except OSError:
            shutil.copyfile(stored, temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return Source(target, size)


def hash_in_place(source: Path) -> tuple[str, Source]:
    """Hash ``source`` where it is; (sha256, the file with the size and mtime it had)."""
    before = source.stat()
    with source.open("rb") as handle:
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    after = source.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise InvalidInputError(f"{source} changed while it was being hashed; add it again once "
                                "it is written, or use policy='mutable'")  # fmt: skip
    return sha, Source(Path(os.path.abspath(source)), after.st_size, after.st_mtime_ns)


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


def files_under(folder: Path) -> list[tuple[str, str]]:
    """Every file under ``folder`` (symbolic links followed, each folder once) as
    ``(relative posix path, path)``, in the order of ``sorted(folder.rglob("*"))``."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()

    def walk(directory: str, prefix: str) -> None:
        info = os.stat(directory)
        if (info.st_dev, info.st_ino) in seen:  # a link back up the tree
            return
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.is_dir():
                        walk(entry.path, prefix + entry.name + "/")
                    elif entry.is_file():
                        found.append((prefix + entry.name, entry.path))
                except OSError:  # gone meanwhile, or a link to nowhere
                    continue

    walk(os.fspath(folder), "")
    found.sort(key=lambda pair: pair[0].split("/"))
    return found


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

    threads = min(workers(), len(items))
    # a few chunks per thread, not a task per item: 10,000 tasks cost a second of queueing
    step = max(1, len(items) // (threads * 4))
    chunks = [items[start : start + step] for start in range(0, len(items), step)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = pool.map(lambda chunk: [fn(item) for item in chunk], chunks)
        return [result for chunk in done for result in chunk]


def hash_files(
    sources: Sequence[str | Path], policy: str, staging: Path, store: Path | None = None
) -> list[tuple[str, Source]]:
    """Hash (and for ``mutable``, stage) each file; in the order given.

    A file whose stat is the one the hash cache of ``store`` (default: the artifact cache)
    remembers is not read: its sha256 is the remembered one, and its staged copy the one in
    the cache, hard-linked (design 0017).
    """
    if policy not in POLICIES:
        raise InvalidInputError(f"policy must be one of {list(POLICIES)}, got {policy!r}")
    store = store if store is not None else cache_dir() / "artifacts"
    hashes = HashCache(store)
    started_ns = time.time_ns()
    stats = [os.stat(source) for source in sources]
    paths = [os.path.abspath(source) for source in sources]
    keys = {path: stat_key(stat) for path, stat in zip(paths, stats, strict=True)}
    known = hashes.lookup(keys)
    root = os.fspath(store)
    if policy == "mutable":
        staging.mkdir(parents=True, exist_ok=True)
    hashed: list[tuple[str, Source] | None] = [None] * len(sources)
    for index, path in enumerate(paths):
        sha = known.get(path)
        if sha is None:
            continue
        size = stats[index].st_size
        if policy == "immutable":
            hashed[index] = sha, Source(Path(path), size, stats[index].st_mtime_ns)
            continue
        with contextlib.suppress(FileNotFoundError):  # else the cache lost its copy: make it
            hashed[index] = sha, link_staged(f"{root}/{sha[:2]}/{sha}", staging, sha, size)

    def one(index: int) -> tuple[str, Source]:
        if policy == "immutable":
            return hash_in_place(Path(sources[index]))
        return stage_copy(Path(sources[index]), staging, store)

    todo = [index for index, done in enumerate(hashed) if done is None]
    for index, result in zip(todo, in_parallel(one, todo), strict=True):
        hashed[index] = result
    out = [result for result in hashed if result is not None]
    hashes.remember(
        (path, keys[path], sha)
        for path, stat, (sha, _) in zip(paths, stats, out, strict=True)
        if path in known or _settled(stat, Path(path), started_ns)
    )
    return out


def _settled(before: os.stat_result, path: Path, started_ns: int) -> bool:
    """Whether a file just hashed may be remembered: unchanged while it was read, and last
    written well before (a write within the same clock tick would leave its stat as it was)."""
    try:
        after = path.stat()
    except OSError:
        return False
    newest = max(before.st_mtime_ns, before.st_ctime_ns)
    return stat_key(after) == stat_key(before) and newest < started_ns - SETTLED_NS


def adopt(source: Source, staging: Path, sha256: str) -> Source:
    """A staged copy moved into ``staging`` (a run's) by hard link, else by copy."""
    if source.mtime_ns is not None or str(source.path).rpartition(os.sep)[0] == str(staging):
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
