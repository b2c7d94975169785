"""Stand-in for ``Transport.upload_blobs`` and ``LocalBlob`` of the blob branch (design 0013,
Blobs at scale): the same call, done one blob at a time with ``upload_blob``. This module goes
away when that branch is merged (``sending.py`` then calls the transport directly)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cairn.sdk.sender.transport import PostResult, Transport


@dataclass(frozen=True, slots=True)
class LocalBlob:
    """A file on this machine to store under its sha256."""

    sha256: str
    size: int
    path: Path


def upload_blobs(transport: Transport, project: str, blobs: list[LocalBlob]) -> PostResult:
    """Upload what the server lacks of ``blobs``; the first failure, else ``ok``."""
    for blob in blobs:
        result = transport.upload_blob(blob.sha256, blob.path)
        if result.outcome != "ok":
            return result
    return PostResult("ok")
