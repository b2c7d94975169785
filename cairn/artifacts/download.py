"""Downloading a version's files into a folder, through the cache, every byte checked.

A stored file comes from the cache (``cache.py``) or is fetched into it in ranged requests
(a 307 to a presigned URL is followed) while hashing; a mismatch is an error naming the file and
nothing lands. Files reach ``root`` by hard link (a copy across filesystems); a file already
there that is the cached one, or has the right size and sha256, is left alone. References are
fetched from their URI and checked against their checksum (``refs.py``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from cairn.artifacts import fetch_batches, refs, remote
from cairn.artifacts.cache import ArtifactCache
from cairn.artifacts.entries import Entry
from cairn.artifacts.names import ArtifactRef
from cairn.artifacts.staging import in_parallel, sha256_of
from cairn.errors import CairnError
from cairn.sdk.api.client import ApiClient, raise_for_status
from cairn.wire import check_artifact_path

RANGE_BYTES: Final = 8 * 1024 * 1024
"""Bytes per ranged request: what one download thread holds in memory at a time."""
_REDIRECTS: Final = (301, 302, 303, 307, 308)


def target_in(root: Path, path: str) -> Path:
    """Where the entry ``path`` lands under ``root``; never outside it."""
    check_artifact_path(path)
    target = root / path
    base = root.resolve()
    if not target.resolve().is_relative_to(base):
        raise CairnError(f"{path!r} would land outside {root} (a symbolic link there?)")
    return target


def download(
    client: ApiClient,
    ref: ArtifactRef,
    entries: Sequence[Entry],
    root: Path,
    cache: ArtifactCache | None = None,
) -> Path:
    """Put every entry under ``root``; returns ``root``.

    Cached files are placed on this thread (a stat, a hard link: threads would only contend);
    small missing ones are fetched in batches, the rest one by one, in parallel.
    """
    cache = cache or ArtifactCache()
    root.mkdir(parents=True, exist_ok=True)
    places = _Places(root)
    references: list[tuple[Entry, Path]] = []
    fetch: list[tuple[Entry, str]] = []
    for entry in entries:
        target = places.target(entry.path)
        if entry.is_reference:
            references.append((entry, Path(target)))
            continue
        assert entry.sha256 is not None
        assert entry.size is not None
        cached = cache.find(entry.sha256, entry.size)
        if cached is not None:
            places.put(cached, target)
        elif not _already_right(places.checked(Path(target)), entry, None):
            fetch.append((entry, target))
    small = {
        e.sha256: e
        for e, _ in fetch
        if e.sha256 and e.size is not None and fetch_batches.small(e.size)
    }
    fetch_batches.fetch(client, ref, small, cache)  # what it could not fetch comes alone

    def content(jobs: list[tuple[Entry, str]]) -> None:
        for entry, target in jobs:
            assert entry.sha256 is not None
            assert entry.size is not None
            cached = cache.find(entry.sha256, entry.size) or _fetch(client, ref, entry, cache)
            places.put(cached, target)

    # the entries of one content on one thread: two would fetch the same bytes
    by_sha: dict[str, list[tuple[Entry, str]]] = {}
    for job in fetch:
        by_sha.setdefault(str(job[0].sha256), []).append(job)
    in_parallel(content, list(by_sha.values()))
    in_parallel(lambda job: _reference(*job), references)
    return root


def _reference(entry: Entry, target: Path) -> None:
    if not (target.exists() and refs.matches(entry, target)):
        refs.fetch(entry, target)


class _Places:
    """Targets under ``root``: each folder checked to stay inside ``root`` and made once.

    Paths are strings here: Path objects cost more than the system calls at 10,000 files.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._prefix = os.fspath(root) + "/"
        self._base = root.resolve()
        self._folders: set[str] = set()
        self._lock = threading.Lock()

    def target(self, path: str) -> str:
        """Where the entry ``path`` lands (its folder made); CairnError when a symbolic link
        in a folder on the way would lead out of ``root``."""
        check_artifact_path(path)
        folder = path.rpartition("/")[0]
        if folder and folder not in self._folders:
            self._inside(self._root / folder, path)
            (self._root / folder).mkdir(parents=True, exist_ok=True)
            with self._lock:
                self._folders.add(folder)
        return self._prefix + path

    def checked(self, target: Path) -> Path:
        """``target``, after checking that a symbolic link there does not lead out."""
        if target.is_symlink():
            self._inside(target, target.relative_to(self._root).as_posix())
        return target

    def _inside(self, path: Path, name: str) -> None:
        if not path.resolve().is_relative_to(self._base):
            raise CairnError(f"{name!r} would land outside {self._root} (a symbolic link there?)")

    def put(self, cached: str | Path, target: str) -> None:
        """The cached file at ``target`` by hard link (a copy across filesystems), unless it
        is there already."""
        try:
            os.link(cached, target)
            return
        except FileExistsError:
            pass
        except OSError:  # another filesystem, or no hard links there
            _place(Path(cached), Path(target))
            return
        if not _same_file(Path(cached), self.checked(Path(target))):
            _place(Path(cached), Path(target))


def _same_file(cached: Path, target: Path) -> bool:
    try:
        here, there = target.stat(), cached.stat()
    except OSError:
        return False
    if (here.st_ino, here.st_dev) == (there.st_ino, there.st_dev):
        return True
    return target.is_file() and here.st_size == there.st_size and sha256_of(target) == cached.name


def _already_right(target: Path, entry: Entry, cached: Path | None) -> bool:
    try:
        stat = target.stat()
    except OSError:
        return False
    if cached is not None:
        cached_stat = cached.stat()
        if (stat.st_ino, stat.st_dev) == (cached_stat.st_ino, cached_stat.st_dev):
            return True
    return target.is_file() and stat.st_size == entry.size and sha256_of(target) == entry.sha256


def _place(cached: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.link-{os.urandom(4).hex()}")
    try:
        try:
            os.link(cached, temporary)
        except OSError:  # another filesystem, or no hard links there
            shutil.copyfile(cached, temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _fetch(client: ApiClient, ref: ArtifactRef, entry: Entry, cache: ArtifactCache) -> Path:
    assert entry.sha256 is not None
    assert entry.size is not None
    partial = cache.partial_for(entry.sha256)
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:

            def sink(block: bytes) -> None:
                out.write(block)
                digest.update(block)

            _stream(client, remote.file_url(ref, entry.path), entry, sink)
        got = digest.hexdigest()
        size = partial.stat().st_size
        if got != entry.sha256 or size != entry.size:
            raise CairnError(
                f"the download of {entry.path!r} of {ref.path} is damaged: {size} bytes with "
                f"sha256 {got}, expected {entry.size} bytes with sha256 {entry.sha256}; "
                "nothing was kept, download again"
            )
        return cache.commit(partial, entry.sha256)
    finally:
        partial.unlink(missing_ok=True)


def _stream(client: ApiClient, url: str, entry: Entry, sink: Callable[[bytes], None]) -> None:
    """Hand the file's bytes to ``sink`` in ranged requests."""
    assert entry.size is not None
    offset = 0
    while offset < entry.size:
        last = min(offset + RANGE_BYTES, entry.size) - 1
        response = client.raw("GET", url, headers={"Range": f"bytes={offset}-{last}"})
        if response.status in _REDIRECTS and "location" in response.headers:
            _stream_url(response.headers["location"], offset, sink)
            return
        raise_for_status(response)
        body = response.body
        if response.status == 200:  # the whole file, the range ignored
            body = body[offset:]
        elif response.status != 206:
            raise CairnError(f"unexpected answer HTTP {response.status} for {entry.path!r}")
        if not body:
            raise CairnError(f"the server sent no bytes of {entry.path!r} past {offset}")
        sink(body)
        offset += len(body)


def _stream_url(url: str, offset: int, sink: Callable[[bytes], None]) -> None:
    """The rest of a file from a presigned URL (the store's, not Cairn's: no credentials)."""
    import urllib.request

    if not url.lower().startswith(("https://", "http://")):
        raise CairnError(f"the server redirected a download to {url[:80]!r}, not an http(s) URL")
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http(s) checked above)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            while chunk := answer.read(1 << 20):
                sink(chunk)
    except OSError as exc:
        raise CairnError(f"cannot download from the blob store: {exc}") from None


def verify(entries: Sequence[Entry], root: Path) -> None:
    """Raise CairnError when ``root`` lacks a file, holds a changed one, or one the version does
    not have; references are checked where their checksum is a content hash."""
    if not root.is_dir():
        raise CairnError(f"{root} is not a folder: download the artifact first")
    expected = {e.path: e for e in entries}
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    missing = sorted(set(expected) - present)
    extra = sorted(present - set(expected))

    def changed(entry: Entry) -> bool:
        path = root / entry.path
        if entry.is_reference:
            return refs.matches(entry, path) is False
        return path.stat().st_size != entry.size or sha256_of(path) != entry.sha256

    checked = [e for e in expected.values() if e.path in present]
    verdicts = in_parallel(changed, checked)
    differing = sorted(e.path for e, bad in zip(checked, verdicts, strict=True) if bad)
    problems = [
        f"{label}: {', '.join(paths[:5])}{' ...' if len(paths) > 5 else ''}"
        for label, paths in (
            ("missing", missing),
            ("changed", differing),
            ("not in the artifact", extra),
        )
        if paths
    ]
    if problems:
        raise CairnError(f"{root} does not match the artifact ({'; '.join(problems)})")
