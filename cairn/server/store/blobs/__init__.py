"""Content-addressed blob stores: a local directory (default) or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from cairn.errors import InvalidInputError
from cairn.server.store.base import BlobStore
from cairn.server.store.blobs.local import LocalBlobStore
from cairn.server.store.blobs.s3 import S3BlobStore

__all__ = ["LocalBlobStore", "S3BlobStore", "open_blob_store"]

_FORMS = "a directory, file:///PATH or s3://bucket/prefix"


def open_blob_store(
    url: str | None, *, data_dir: Path, s3_endpoint_url: str | None = None
) -> BlobStore:
    """The store a URL names: none → ``data_dir/blobs``; a path or ``file://``; ``s3://b/p``."""
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "s3":
        if not parts.netloc:
            raise InvalidInputError(f"blob store {url!r} names no bucket: use s3://bucket/prefix")
        return S3BlobStore(parts.netloc, parts.path, endpoint_url=s3_endpoint_url)
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise InvalidInputError(f"blob store {url!r} is not a local path: use file:///PATH")
        return LocalBlobStore(Path(url2pathname(parts.path)))
    if not scheme or len(scheme) == 1:  # a plain path (a one-letter scheme is a Windows drive)
        return LocalBlobStore(Path(url).expanduser())
    raise InvalidInputError(f"unsupported blob store {url!r}: use {_FORMS}")
