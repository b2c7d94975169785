"""Serving a stored blob as a file: ETag revalidation, one byte range, a content type by
extension, scriptable types sandboxed. Shared by run media and artifact files.

The content never changes under its address (the sha256 is the ETag): it is cacheable forever.
"""

from __future__ import annotations

import re
from typing import Literal

from fastapi import Response
from fastapi.responses import StreamingResponse

from cairn.server.api.downloads import store_redirect
from cairn.server.context import ServerContext

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
    "json": "application/json",
    "md": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "glb": "model/gltf-binary",
    "gltf": "model/gltf+json",
    "obj": "model/obj",
    "stl": "model/stl",
}
"""Content type by file extension; anything else is application/octet-stream."""

SANDBOXED = {"html", "htm", "svg"}
"""Types that can carry script: served under ``Content-Security-Policy: sandbox``."""

CACHE_FOREVER = "private, max-age=31536000, immutable"


def content_type(path: str) -> str:
    """The media type of a run file by its extension (an ogg under media/videos/ is a video)."""
    ext = _extension(path)
    if ext == "ogg" and path.startswith("media/videos/"):
        return "video/ogg"
    return CONTENT_TYPES.get(ext, "application/octet-stream")


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _headers(sha256: str, path: str, disposition: str) -> dict[str, str]:
    name = path.rsplit("/", 1)[-1]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    headers = {
        "Cache-Control": CACHE_FOREVER,
        "ETag": f'"{sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'{disposition}; filename="{safe}"',
        "Accept-Ranges": "bytes",
    }
    if _extension(path) in SANDBOXED:
        headers["Content-Security-Policy"] = "sandbox allow-scripts"
    return headers


def _matches(if_none_match: str, sha256: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or f'"{sha256}"' in tags


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a single ``bytes=`` range, None to send everything (RFC 9110: a
    range the server does not support is ignored); InvalidRange when it lies past the end."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0:
            raise _InvalidRange
        return max(0, size - suffix), size - 1
    first = int(match[1])
    last = int(match[2]) if match[2] else size - 1
    if match[2] and last < first:
        return None
    if first >= size:
        raise _InvalidRange
    return first, min(last, size - 1)


class _InvalidRange(Exception):
    pass


def blob_response(
    ctx: ServerContext,
    sha256: str,
    path: str,
    *,
    if_none_match: str | None,
    range_: str | None,
    if_range: str | None,
    disposition: Literal["inline", "attachment"] = "inline",
) -> Response:
    """The blob's bytes named as ``path``: 304 when ``If-None-Match`` holds its ETag, 206 for
    one satisfiable range (only that range is read from the store), 416 past the end; a 307 to
    a presigned URL when the store serves the bytes itself (S3), except sandboxed HTML/SVG."""
    headers = _headers(sha256, path, disposition)
    if if_none_match is not None and _matches(if_none_match, sha256):
        return Response(status_code=304, headers=headers)
    if _extension(path) not in SANDBOXED:  # a store's answer cannot carry the sandbox header
        redirect = store_redirect(ctx, sha256, content_type(path), headers["Content-Disposition"])
        if redirect is not None:
            return redirect
    size = ctx.blobs.size(sha256)  # the stored bytes, not what a record claimed
    wanted = None
    if range_ is not None and (if_range is None or if_range.strip() == headers["ETag"]):
        try:
            wanted = _byte_range(range_, size)
        except _InvalidRange:
            return Response(
                status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
            )
    media_type = content_type(path)
    if wanted is None:
        chunks = ctx.blobs.open(sha256)  # NotFoundError now, before any byte is sent
        headers["Content-Length"] = str(size)
        return StreamingResponse(chunks, media_type=media_type, headers=headers)
    first, last = wanted
    # only the range is read from the store (a seek, an S3 ranged GET): seeking in a long video
    # costs the bytes asked for
    chunks = ctx.blobs.open_range(sha256, first, last + 1)
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    return StreamingResponse(chunks, status_code=206, media_type=media_type, headers=headers)


BLOB_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
    206: {"content": {"application/octet-stream": {}}, "description": "one byte range"},
    307: {"description": "the bytes are at the store (a presigned URL; S3 stores)"},
    304: {"description": "not modified (If-None-Match matched the ETag)"},
    416: {"description": "the range lies past the end of the file"},
}
"""The OpenAPI responses of a route answering with :func:`blob_response`."""
