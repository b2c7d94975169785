"""Typed tables cached as Arrow IPC files, read back memory-mapped, a few kept open.

A table is built once per cache key (the table file's sha256, or a digest of its parts) and
written to ``<dir>/<key>.arrow`` through a temporary file and an atomic rename, so a reader never
sees half a file and server processes sharing the data dir may share the cache (two processes
can both build the same table at once; the last rename wins and both copies are equal). In one
process, concurrent requests for the same key build it once: a lock per key. Past ``max_bytes``
the files read least recently (by atime, which a read sets explicitly: data dirs are often
mounted ``noatime``) are deleted.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from cairn.server.tables.load import TypedTable, typed, with_types

OPEN_TABLES = 8
CHUNK_ROWS = 65_536


class _KeyLock:
    """A lock for one key and how many callers hold or wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class TableCache:
    """Build-once, disk-backed, memory-mapped typed tables keyed by a hex digest."""

    def __init__(self, directory: Path, max_bytes: int, open_tables: int = OPEN_TABLES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.open_tables = open_tables
        self.builds = 0
        """How many tables this cache built (a statistic for tests and benches)."""
        self._open: OrderedDict[str, TypedTable] = OrderedDict()
        self._guard = threading.Lock()
        self._locks: dict[str, _KeyLock] = {}

    def get(self, key: str, build: Callable[[], TypedTable]) -> TypedTable:
        """The table cached under ``key``, calling ``build`` (once) when there is none."""
        table = self._lookup(key)
        if table is not None:
            return table
        with self._key_lock(key):
            table = self._lookup(key)
            if table is None:
                table = self._read(key)
            if table is None:
                built = build()
                self.builds += 1
                table = self._write(key, built)
            self._remember(key, table)
            return table

    def built(self, key: str) -> bool:
        """Whether the table of ``key`` is open or cached on disk (a read would not build)."""
        with self._guard:
            if key in self._open:
                return True
        return self.max_bytes > 0 and self.path(key).exists()

    def _lookup(self, key: str) -> TypedTable | None:
        with self._guard:
            table = self._open.get(key)
            if table is not None:
                self._open.move_to_end(key)
        return table

    def _remember(self, key: str, table: TypedTable) -> None:
        with self._guard:
            self._open[key] = table
            self._open.move_to_end(key)
            while len(self._open) > self.open_tables:
                self._open.popitem(last=False)

    @contextlib.contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(key, _KeyLock())
            entry.users += 1
        try:
            with entry.lock:
                yield
        finally:
            with self._guard:
                entry.users -= 1
                if entry.users == 0:
                    del self._locks[key]

    def path(self, key: str) -> Path:
        """Where the table of ``key`` is (or would be) cached."""
        return self.directory / f"{key}.arrow"

    def _read(self, key: str) -> TypedTable | None:
        if self.max_bytes <= 0:
            return None
        path = self.path(key)
        try:
            now = time.time()
            os.utime(path, (now, path.stat().st_mtime))
            source = pa.memory_map(str(path), "r")
            return typed(pa.ipc.open_file(source).read_all())
        except FileNotFoundError:
            return None
        except (pa.ArrowInvalid, OSError):
            # unreadable (another Arrow version, a disk error): build it again
            path.unlink(missing_ok=True)
            return None

    def _write(self, key: str, built: TypedTable) -> TypedTable:
        if self.max_bytes <= 0:
            return built
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        temp = self.directory / f".{key}.{uuid.uuid4().hex}.tmp"
        table = with_types(built.table, built.types)
        try:
            with pa.OSFile(str(temp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table, max_chunksize=CHUNK_ROWS)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        self.evict(keep=key)
        return self._read(key) or built

    def evict(self, keep: str | None = None) -> int:
        """Delete the least recently read files until the rest fit; return how many went."""
        entries = []
        for entry in os.scandir(self.directory):
            if entry.name.endswith(".arrow"):
                with contextlib.suppress(FileNotFoundError):
                    stat = entry.stat()
                    entries.append((stat.st_atime, stat.st_size, entry.name))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, name in sorted(entries):
            if total <= self.max_bytes:
                break
            if name == f"{keep}.arrow":
                continue
            # an open memory map of a deleted file stays readable (POSIX)
            (self.directory / name).unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed
