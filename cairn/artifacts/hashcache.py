"""The sha256 of files this machine hashed before, so an unchanged file is not read again.

``<cache dir>/artifacts/hashes.sqlite`` maps a file's absolute path to the stat it had when it
was hashed — device, inode, size, mtime and ctime in nanoseconds — and its sha256 (design 0017).
A file counts as unchanged only when all of them are equal: ctime moves on every write, also one
that puts the size and mtime back. The cache is an optimisation: when it cannot be opened or
written (a read-only or locked cache), files are hashed as if it were empty.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger("cairn")

FILE_NAME: Final = "hashes.sqlite"
STALE_S: Final = 30 * 24 * 3600.0
"""Entries not used for this long are dropped by ``cairn artifact cache cleanup``."""
_CHUNK: Final = 500
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, stat TEXT NOT NULL, "
    "sha256 TEXT NOT NULL, used_at REAL NOT NULL)"
)


def stat_key(stat: os.stat_result) -> str:
    """What must stay equal for a file to count as unchanged."""
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


class HashCache:
    """The hashes under ``root`` (the artifact cache's folder).

    One connection per file and process, kept open: ``add_file`` in a loop asks once per file.
    """

    _connections: ClassVar[dict[tuple[str, int], sqlite3.Connection]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, root: Path) -> None:
        self.path = root / FILE_NAME

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (call with the lock held)."""
        key = (str(self.path), os.getpid())  # a forked child opens its own
        conn = self._connections.get(key)
        if conn is None or not self.path.exists():  # removed under us: start again
            import sqlite3

            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            # no sync per commit: a power cut may lose the last entries (they are hashed
            # again), never the database
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._connections[key] = conn
        return conn

    def lookup(self, keys: dict[str, str]) -> dict[str, str]:
        """path → sha256 for the paths whose stat key (``stat_key``) is the one remembered."""
        found: dict[str, str] = {}
        paths = list(keys)
        try:
            with self._lock:
                conn = self._connection()
                for start in range(0, len(paths), _CHUNK):
                    chunk = paths[start : start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT path, stat, sha256 FROM hashes WHERE path IN ({marks})", chunk
                    )
                    found.update((path, sha) for path, stat, sha in rows if keys[path] == stat)
        except Exception as exc:
            log.debug("the hash cache %s is not usable: %s", self.path, exc)
            return {}
        return found

    def remember(self, entries: Iterable[tuple[str, str, str]]) -> None:
        """Keep ``(path, stat key, sha256)`` of files just hashed or found unchanged."""
        now = time.time()
        rows = [(path, key, sha, now) for path, key, sha in entries]
        if not rows:
            return
        try:
            with self._lock:
                conn = self._connection()
                with conn:
                    conn.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)", rows)
        except Exception as exc:
            log.debug("cannot write the hash cache %s: %s", self.path, exc)

    def prune(self, older_than: float) -> int:
        """Drop entries last used before ``older_than`` (epoch seconds); how many went."""
        if not self.path.is_file():
            return 0
        try:
            with self._lock:
                conn = self._connection()
                with conn:
                    query = "DELETE FROM hashes WHERE used_at < ?"
                    return int(conn.execute(query, (older_than,)).rowcount)
        except Exception as exc:
            log.warning("cannot prune the hash cache %s: %s", self.path, exc)
            return 0
