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
from cairn.server.api.blob_response import BLOB_RESPONSES, blob_response
from cairn.server.api.deps import Ctx, RunDep

router = APIRouter(prefix="/api/v1", tags=["media"])

_SHA256 = re.compile(r"[0-9a-f]{64}")


@router.get(
    "/runs/{entity}/{project}/{run_id}/media/{sha256}",
    response_class=StreamingResponse,
    responses=BLOB_RESPONSES,
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
    return blob_response(
        ctx,
        sha256,
        file.path,
        if_none_match=if_none_match,
        range_=range_,
        if_range=if_range,
    )
