"""Media bytes served inline (``GET …/runs/{e}/{p}/{run}/media/{sha256}``), design 0010.

A blob is served only through a run whose project the caller can read and that has a file with
that content, so a sha256 learnt elsewhere reveals nothing. The content never changes under its
address: it is cacheable forever and revalidates by ETag. HTML and SVG run in a sandbox (an
opaque origin): a logged page can script itself but cannot reach the app's cookies, storage or
API. One byte range is honoured so audio and video can seek.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import StreamingResponse

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.deps import Ctx, RunDep
from cairn.server.api.downloads import store_redirect
from cairn.server.store.records import RunFile

router = APIRouter(prefix="/api/v1", tags=["media"])

_SHA256 = re.compile(r"[0-9a-f]{64}")
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


def _headers(file: RunFile) -> dict[str, str]:
    name = file.path.rsplit("/", 1)[-1]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    headers = {
        "Cache-Control": CACHE_FOREVER,
        "ETag": f'"{file.sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{safe}"',
        "Accept-Ranges": "bytes",
    }
    if _extension(file.path) in SANDBOXED:
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


@router.get(
    "/runs/{entity}/{project}/{run_id}/media/{sha256}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
        206: {"content": {"application/octet-stream": {}}, "description": "one byte range"},
        307: {"description": "the bytes are at the store (a presigned URL; S3 stores)"},
        304: {"description": "not modified (If-None-Match matched the ETag)"},
        416: {"description": "the range lies past the end of the file"},
    },
)
def read_media(
    run: RunDep,
    ctx: Ctx,
    sha256: Annotated[str, Path(min_length=1, max_length=128, description="sha256 of a file")],
    if_none_match: Annotated[str | None, Header(max_length=4096)] = None,
    range_: Annotated[str | None, Header(alias="Range", max_length=256)] = None,
    if_range: Annotated[str | None, Header(max_length=256)] = None,
) -> Response:
    """The bytes of one of the run's files (by content), inline, with its real content type."""
    if not _SHA256.fullmatch(sha256):
        raise InvalidInputError(
            f"{sha256!r} is not a media address: use the file's sha256 as 64 lowercase hex digits"
        )
    file = ctx.meta.media_file(run.pk, sha256)
    if file is None:
        raise NotFoundError(f"run {run.path} has no file with sha256 {sha256}")
    headers = _headers(file)
    if if_none_match is not None and _matches(if_none_match, sha256):
        return Response(status_code=304, headers=headers)
    if _extension(file.path) not in SANDBOXED:  # a store's answer cannot carry the sandbox
        redirect = store_redirect(
            ctx, sha256, content_type(file.path), headers["Content-Disposition"]
        )
        if redirect is not None:
            return redirect
    size = ctx.blobs.size(sha256)  # the stored bytes, not what the file record claimed
    wanted = None
    if range_ is not None and (if_range is None or if_range.strip() == headers["ETag"]):
        try:
            wanted = _byte_range(range_, size)
        except _InvalidRange:
            return Response(
                status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
            )
    media_type = content_type(file.path)
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
