"""Blobs in a local directory: ``root/ab/cd/<sha256>``, written atomically by rename."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.store.base import (
    BlobInfo,
    BlobStore,
    check_range,
    check_upload_id,
    missing_parts_error,
)

CHUNK_BYTES = 1024 * 1024
TEMP_PREFIX = ".tmp-"
UPLOADS_DIR = ".uploads"
MAX_PARTS = 10_000
_SHA_RE = re.compile(r"[0-9a-f]{64}")


def check_sha256(sha256: object) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits, else raise InvalidInputError."""
    if not isinstance(sha256, str) or not _SHA_RE.fullmatch(sha256):
        raise InvalidInputError(
            f"{sha256!r} is not a blob address: use the sha256 of the content as 64 lowercase "
            "hex digits"
        )
    return sha256


def mismatch_error(actual: str, expected: str) -> InvalidInputError:
    """The error for content that does not hash to the address it was sent under."""
    return InvalidInputError(
        f"content hashes to {actual}, not {expected}: the upload was corrupted or the address "
        "is wrong; send it again",
        expected_sha256=expected,
        actual_sha256=actual,
    )


class LocalBlobStore(BlobStore):
    """Content-addressed files under one directory; safe for threads and processes at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        """Where the blob ``sha256`` lives (validated first, so it is always inside root)."""
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: BinaryIO, expected_sha256: str | None = None) -> BlobInfo:
        if expected_sha256 is not None:
            check_sha256(expected_sha256)
        digest = hashlib.sha256()
        size = 0
        # The temp file sits in root so the final rename never crosses filesystems.
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o644)  # mkstemp's 0600 would hide blobs from backups
                while chunk := data.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise mismatch_error(sha, expected_sha256)
            target = self.path_of(sha)
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                # Racing writers of one content rename identical bytes: any winner is correct.
                os.replace(temp, target)
                _fsync_dir(target.parent)
            return BlobInfo(sha, size)
        finally:
            temp.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = self.path_of(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"blob {sha256} is not stored") from None
        return _read_chunks(handle)

    def open_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        check_range(start, end)
        try:
            handle = self.path_of(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"blob {sha256} is not stored") from None
        handle.seek(start)
        return _read_chunks(handle, end - start)

    def size(self, sha256: str) -> int:
        try:
            return self.path_of(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"blob {sha256} is not stored") from None

    def delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    def presigned_url(
        self,
        sha256: str,
        expires_s: int = 3600,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        check_sha256(sha256)
        return None

    def iter_all(self) -> Iterator[BlobInfo]:
        for path in self.root.glob("??/??/*"):
            name = path.name
            if not _SHA_RE.fullmatch(name) or path.parent != self.root / name[:2] / name[2:4]:
                continue
            try:
                yield BlobInfo(name, path.stat().st_size)
            except FileNotFoundError:  # deleted while we walked
                continue

    # Multipart uploads: parts are files ``root/.uploads/<id>/<n>``, each written to a temp file
    # beside it and renamed, so a part file is always whole.

    def _staging(self, upload_id: str) -> Path:
        return self.root / UPLOADS_DIR / check_upload_id(upload_id)

    def begin_upload(self, upload_id: str) -> str | None:
        self._staging(upload_id).mkdir(parents=True, exist_ok=True)
        return None

    def put_part(
        self, upload_id: str, handle: str | None, number: int, data: BinaryIO, length: int
    ) -> None:
        staging = self._staging(upload_id)
        _check_part_number(number)
        try:
            fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=staging)
        except FileNotFoundError:
            raise NotFoundError(f"upload {upload_id} was not begun or is gone") from None
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                got = 0
                while got <= length and (chunk := data.read(CHUNK_BYTES)):
                    out.write(chunk)
                    got += len(chunk)
                if got != length:
                    raise InvalidInputError(
                        f"part {number} holds {'more than ' if got > length else ''}{got} "
                        f"bytes, not {length}: send the part's exact bytes",
                        expected_size=length,
                    )
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, staging / str(number))
        finally:
            temp.unlink(missing_ok=True)

    def uploaded_parts(self, upload_id: str, handle: str | None) -> dict[int, int]:
        staging = self._staging(upload_id)
        parts: dict[int, int] = {}
        try:
            entries = list(os.scandir(staging))
        except FileNotFoundError:
            return parts
        for entry in entries:
            if entry.name.isdigit() and entry.name == str(int(entry.name)):
                with contextlib.suppress(FileNotFoundError):
                    parts[int(entry.name)] = entry.stat().st_size
        return dict(sorted(parts.items()))

    def part_urls(
        self, upload_id: str, handle: str | None, numbers: list[int], expires_s: int
    ) -> dict[int, str] | None:
        check_upload_id(upload_id)
        return None

    def complete_upload(
        self, upload_id: str, handle: str | None, part_sizes: list[int], expected_sha256: str
    ) -> BlobInfo:
        check_sha256(expected_sha256)
        staging = self._staging(upload_id)
        staged = self.uploaded_parts(upload_id, handle)
        if any(staged.get(n) != size for n, size in enumerate(part_sizes, 1)):
            raise missing_parts_error(part_sizes, staged)
        paths = [staging / str(n) for n in range(1, len(part_sizes) + 1)]
        with _JoinedFiles(paths) as joined:
            return self.put(cast(BinaryIO, joined), expected_sha256)

    def abort_upload(self, upload_id: str, handle: str | None) -> None:
        shutil.rmtree(self._staging(upload_id), ignore_errors=True)

    def clean_temp(self, older_than_s: float) -> int:
        """Remove temp files of uploads interrupted by a crash; return how many were removed.

        Pick ``older_than_s`` well above the longest upload: a live upload's temp file removed
        under it makes that upload fail.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.root.glob(TEMP_PREFIX + "*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # finished or cleaned by someone else meanwhile
                continue
        return removed


def _check_part_number(number: int) -> None:
    if not 1 <= number <= MAX_PARTS:
        raise InvalidInputError(f"part {number} is out of range: parts are 1 to {MAX_PARTS}")


class _JoinedFiles(io.RawIOBase):
    """Files read one after the other as one stream, one chunk at a time."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(reversed(paths))
        self._handle: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = CHUNK_BYTES if size < 0 else size
        while True:
            if self._handle is None:
                if not self._paths:
                    return b""
                self._handle = self._paths.pop().open("rb")
            chunk = self._handle.read(want)
            if chunk:
                return chunk
            self._handle.close()
            self._handle = None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        super().close()


def _read_chunks(handle: BinaryIO, limit: int | None = None) -> Iterator[bytes]:
    with handle:
        left = limit
        while left is None or left > 0:
            chunk = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


def _fsync_dir(path: Path) -> None:
    """Make a rename into ``path`` durable across a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
