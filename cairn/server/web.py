"""Serving the built web app: hashed assets, and index.html for every page route."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from cairn.server.errors import allowed_methods

WEBUI_DIR = Path(__file__).parent / "webui"

# No inline scripts, nothing from elsewhere; styles may be set inline (uPlot and React set
# element styles), which CSP treats as style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

NOT_BUILT = """<!doctype html><title>Cairn</title>
<h1>The Cairn web app is not built</h1>
<p>Run <code>make run</code> (or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>) in a
clone, or install the <code>cairn-ml[server]</code> wheel, which carries the built app.
The API is served all the same: <a href="/api/docs">/api/docs</a>.</p>"""


class _ImmutableAssets(StaticFiles):
    """Vite's assets have content hashes in their names, so browsers may keep them forever."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_web_app(app: FastAPI, directory: Path = WEBUI_DIR) -> None:
    """Serve ``directory`` (a Vite build) at ``/``; page routes get index.html and a CSP."""
    index = directory / "index.html"
    assets = directory / "assets"
    if assets.is_dir():
        app.mount("/assets", _ImmutableAssets(directory=assets), name="assets")

    @app.get("/{page:path}", include_in_schema=False)
    def page(page: str, request: Request) -> Response:
        """Every path that is not the API or an asset is a page of the single-page app."""
        if page == "api" or page.startswith(("api/", "assets/")):
            allowed = allowed_methods(request.app, request.scope)
            if allowed:
                raise HTTPException(
                    405, f"/{page} takes {', '.join(allowed)}", {"Allow": ", ".join(allowed)}
                )
            raise HTTPException(404, f"no such endpoint: /{page}; see /api/docs")
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=PAGE_HEADERS)
        return FileResponse(index, media_type="text/html", headers=PAGE_HEADERS)
