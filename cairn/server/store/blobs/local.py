"""Blobs in a local directory: ``root/ab/cd/<sha256>``, written atomically by rename."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import BlobInfo, BlobStore

CHUNK_BYTES = 1024 * 1024
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_TEMP_PREFIX = ".tmp-"


def check_sha256(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits, else raise InvalidInputError."""
    if not isinstance(sha256, str) or not _SHA_RE.match(sha256):
        raise InvalidInputError(f"{sha256!r} is not a blob address (64 lowercase hex digits)")
    return sha256


class LocalBlobStore(BlobStore):
    """Content-addressed files under one directory; safe for several processes at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: BinaryIO, expected_sha256: str | None = None) -> BlobInfo:
        if expected_sha256 is not None:
            check_sha256(expected_sha256)
        digest = hashlib.sha256()
        size = 0
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.root)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := data.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise InvalidInputError(
                    f"content hashes to {sha}, not {expected_sha256}: the upload was corrupted "
                    "or the address is wrong"
                )
            target = self._path(sha)
            if target.exists():
                return BlobInfo(sha, size)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            return BlobInfo(sha, size)
        finally:
            temp.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = self._path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"blob {sha256} is not stored") from None
        return _read_chunks(handle)

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"blob {sha256} is not stored") from None

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def presigned_url(self, sha256: str, expires_s: int = 3600) -> str | None:
        check_sha256(sha256)
        return None

    def iter_all(self) -> Iterator[BlobInfo]:
        for path in self.root.glob("??/??/*"):
            if _SHA_RE.match(path.name) and path.is_file():
                yield BlobInfo(path.name, path.stat().st_size)

    def clean_temp(self, older_than_s: float) -> int:
        """Remove temp files left by interrupted uploads; returns how many went."""
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.root.glob(_TEMP_PREFIX + "*"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
