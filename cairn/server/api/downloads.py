"""Sending a blob's bytes: a redirect to the store when it can serve them itself.

An S3 store gives presigned GET URLs, so gigabytes go from the bucket to the client without
passing through a server process (design 0004); ranges work there as here. A local store gives
none and the route streams the bytes itself.
"""

from __future__ import annotations

from fastapi import Response

from cairn.server.context import ServerContext

PRESIGNED_EXPIRES_S = 3600
REDIRECT_CACHE = "private, max-age=300"
"""A redirect may be reused a few minutes, well inside the URL's hour."""


def store_redirect(
    ctx: ServerContext, sha256: str, content_type: str, disposition: str
) -> Response | None:
    """A 307 to the blob in the store, answered with these headers; None when the store
    cannot serve it directly."""
    url = ctx.blobs.presigned_url(
        sha256,
        PRESIGNED_EXPIRES_S,
        content_type=content_type,
        content_disposition=disposition,
    )
    if url is None:
        return None
    return Response(
        status_code=307,
        headers={"Location": url, "Cache-Control": REDIRECT_CACHE, "ETag": f'"{sha256}"'},
    )
