"""Stand-ins, exactly per design 0013, for what the server branch brings.

``manifest_digest`` belongs in ``cairn.artifacts.manifest`` and ``check_artifact_path`` in
``cairn.wire.records``; this module goes away when that branch is merged (the imports of
``cairn.artifacts.entries`` and ``cairn.artifacts.refs`` switch over).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from cairn.errors import InvalidInputError
from cairn.wire import check_file_path


def manifest_digest(entries: Iterable[Mapping[str, Any]]) -> str:
    """Hex sha256 of a manifest: order-independent, metadata excluded (design 0013, Digest)."""
    lines = []
    for entry in sorted(entries, key=lambda e: str(e["path"])):
        sha = entry.get("sha256")
        what = sha if sha else f"ref:{entry['ref']}#{entry['checksum']}"
        lines.append(f"{entry['path']}\t{what}\n")
    return hashlib.sha256(("cairn-manifest-v1\n" + "".join(lines)).encode()).hexdigest()


def check_artifact_path(path: str) -> str:
    """``path`` if it is a safe manifest path, also once or twice percent-decoded."""
    check_file_path(path)
    decoded = path
    for _ in range(2):
        decoded = unquote(decoded)
        try:
            check_file_path(decoded)
        except InvalidInputError:
            raise InvalidInputError(
                f"artifact path {path!r} percent-decodes to {decoded!r}, which is not a safe "
                "relative path: name the file without '%' escapes of '/', '.', '\\' or controls"
            ) from None
    return path


ARTIFACT = "artifact"
"""The record kind (``cairn.wire.records.ARTIFACT`` once the server branch is merged)."""
