"""``create_app(settings)``: builds the Cairn server; no work happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from pydantic import BaseModel, Field

from cairn.__about__ import __version__
from cairn.errors import InvalidInputError
from cairn.server import observability
from cairn.server.api import (
    admin,
    alerts,
    artifacts,
    artifacts_files,
    artifacts_writes,
    auth,
    automations,
    blob_batches,
    blobs,
    history,
    ingest,
    media,
    members,
    projects,
    registry,
    runs,
    runs_export,
    runs_list,
    sweeps,
    tables,
    uploads,
    values,
    workspace,
)
from cairn.server.api.openapi import install_openapi
from cairn.server.automations.secrets import load_secret_box
from cairn.server.automations.worker import run_deliveries
from cairn.server.compat.wandb import install as install_wandb_surface
from cairn.server.context import ServerContext
from cairn.server.errors import install_error_handlers
from cairn.server.housekeeping import run_housekeeping
from cairn.server.settings import ServerSettings
from cairn.server.store.blobs import open_blob_store
from cairn.server.store.metadata import MetadataStore
from cairn.server.store.sql.store import open_metadata_store
from cairn.server.tables.prebuild import TablePrebuilder
from cairn.server.tables.service import state_table_cache
from cairn.server.web import mount_web_app

log = logging.getLogger("cairn.server")


class Health(BaseModel):
    """Liveness and version."""

    status: str
    version: str
    public_url: str | None = Field(
        None, description="the address people use for this server's web app (links), if set"
    )


def open_context(settings: ServerSettings) -> ServerContext:
    """Open the database (migrating it) and the blob store named by ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    meta = open_metadata_store(settings.database_url, series_cache_mb=settings.series_cache_mb)
    if not settings.auth_open:
        ensure_admin(meta, settings)
    blob_store = open_blob_store(
        settings.blobs_url or "",
        data_dir=settings.data_dir,
        s3_endpoint_url=settings.s3_endpoint_url,
    )
    secrets = load_secret_box(settings.secret_key_path, create=settings.secret_key_file is None)
    return ServerContext(settings=settings, meta=meta, blobs=blob_store, secrets=secrets)


def ensure_admin(meta: MetadataStore, settings: ServerSettings) -> None:
    """Refuse to serve with required auth until an admin exists (or create one from settings)."""
    if meta.count_admins():
        return
    if settings.admin_username and settings.admin_password:
        meta.create_user(settings.admin_username, settings.admin_password, is_admin=True)
        log.warning("created admin user %r from the environment", settings.admin_username)
        return
    raise InvalidInputError(
        "this server requires login but has no admin yet: run `cairn server create-admin "
        "--username NAME` with the same --db, or set CAIRN_SERVER_ADMIN_USERNAME and "
        "CAIRN_SERVER_ADMIN_PASSWORD for the first start"
    )


def create_app(settings: ServerSettings) -> FastAPI:
    """Build the ASGI app; stores open (and migrate) when the app starts, not here."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = open_context(settings)
        app.state.cairn = ctx
        observability.observe_context(app, ctx)
        task = asyncio.create_task(run_housekeeping(ctx))
        deliveries = asyncio.create_task(run_deliveries(ctx, ctx.secrets))
        prebuilder = None
        if settings.table_prebuild_queue > 0 and settings.table_cache_mb > 0:
            prebuilder = TablePrebuilder(
                ctx, state_table_cache(app.state), settings.table_prebuild_queue
            )
            prebuilder.start()
        app.state.table_prebuilder = prebuilder
        try:
            yield
        finally:
            if prebuilder is not None:
                await asyncio.to_thread(prebuilder.stop)
            for background in (task, deliveries):
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
            ctx.meta.close()

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
    install_openapi(app)
    observability.install(app)

    public_url = settings.public_url.rstrip("/") if settings.public_url else None

    @app.get("/api/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        """Liveness probe."""
        return Health(status="ok", version=__version__, public_url=public_url)

    if settings.blob_batches:  # before blobs: /blobs/batch is no blob address
        app.include_router(blob_batches.router)
    for module in (
        auth,
        admin,
        members,
        ingest,
        projects,
        runs_list,
        runs_export,
        runs,
        history,
        values,
        alerts,
        media,
        tables,
        blobs,
        uploads,
        workspace,
        sweeps,
        artifacts,
        artifacts_writes,
        artifacts_files,
        registry,
        automations,
    ):
        app.include_router(module.router)
    install_wandb_surface(app)
    mount_web_app(app)  # last: its catch-all page route must not shadow the API
    return app
