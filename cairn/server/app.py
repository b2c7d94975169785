"""``create_app(settings)``: builds the Cairn server; no work happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from pydantic import BaseModel

from cairn.__about__ import __version__
from cairn.server.api import blobs, history, ingest, projects, runs, runs_list
from cairn.server.context import ServerContext
from cairn.server.errors import install_error_handlers
from cairn.server.housekeeping import run_housekeeping
from cairn.server.settings import ServerSettings
from cairn.server.store.blobs import open_blob_store
from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.series import SqlSeriesStore

log = logging.getLogger("cairn.server")


class Health(BaseModel):
    """Liveness and version."""

    status: str
    version: str


def open_context(settings: ServerSettings) -> ServerContext:
    """Open the database (migrating it) and the blob store named by ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(settings.database_url)
    upgrade(engine)
    blob_store = open_blob_store(
        settings.blobs_url or "",
        data_dir=settings.data_dir,
        s3_endpoint_url=settings.s3_endpoint_url,
    )
    return ServerContext(
        settings=settings, engine=engine, series=SqlSeriesStore(), blobs=blob_store
    )


def create_app(settings: ServerSettings) -> FastAPI:
    """Build the ASGI app; stores open (and migrate) when the app starts, not here."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = open_context(settings)
        app.state.cairn = ctx
        task = asyncio.create_task(run_housekeeping(ctx))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            ctx.engine.dispose()

    app = FastAPI(
        title="Cairn",
        version=__version__,
        description="Experiment tracking: ingest, runs, history, files.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.get("/api/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        """Liveness probe."""
        return Health(status="ok", version=__version__)

    for module in (ingest, projects, runs_list, runs, history, blobs):
        app.include_router(module.router)
    return app
