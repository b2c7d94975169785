"""Content-addressed blob stores: a local directory (default) or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from cairn.errors import InvalidInputError
from cairn.server.store.base import BlobStore
from cairn.server.store.blobs.local import LocalBlobStore
from cairn.server.store.blobs.s3 import S3BlobStore

__all__ = ["LocalBlobStore", "S3BlobStore", "open_blob_store"]


def open_blob_store(url: str, *, data_dir: Path, s3_endpoint_url: str | None = None) -> BlobStore:
    """The store a URL names: empty → ``data_dir/blobs``; a path or ``file://``; ``s3://b/p``."""
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3BlobStore(parsed.netloc, parsed.path, endpoint_url=s3_endpoint_url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise InvalidInputError(f"file URLs must name a local path: {url!r}")
        return LocalBlobStore(Path(parsed.path))
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # a plain path (or a Windows drive)
        return LocalBlobStore(Path(url).expanduser())
    raise InvalidInputError(
        f"unsupported blob store {url!r}: use a directory, file:///PATH or s3://bucket/prefix"
    )
