"""Operators' view of the server: Prometheus ``/metrics``, request ids, structured logs.

``install(app)`` adds the middleware and the route; ``observe_context(app, ctx)`` follows the
opened stores (pool, chart cache, run states). Routers only call ``observe_ingest`` and
``note_principal``.
"""

from __future__ import annotations

import prometheus_client
from fastapi import FastAPI, Request
from fastapi.responses import Response

from cairn.server.context import ServerContext
from cairn.server.observability import metrics
from cairn.server.observability.access import authorize_metrics
from cairn.server.observability.exposition import CONTENT_TYPE, RunStates, render
from cairn.server.observability.ingest import observe_ingest
from cairn.server.observability.middleware import ObservabilityMiddleware
from cairn.server.observability.multiproc import multiprocess_dir, reap_dead_workers
from cairn.server.observability.scope import note_principal

__all__ = ["install", "note_principal", "observe_context", "observe_ingest"]

METRICS_PATH = "/metrics"


def install(app: FastAPI) -> None:
    """Add the request middleware and ``GET /metrics`` (left out of the OpenAPI schema)."""
    # The *_created samples would double the series count for nothing a dashboard uses.
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    app.add_middleware(ObservabilityMiddleware)

    def scrape(request: Request) -> Response:
        """Prometheus text exposition of the server's metrics (all workers)."""
        ctx: ServerContext = request.app.state.cairn
        authorize_metrics(request, ctx)
        body = render(getattr(request.app.state, "cairn_run_states", None))
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    app.add_api_route(METRICS_PATH, scrape, methods=["GET"], include_in_schema=False)


def observe_context(app: FastAPI, ctx: ServerContext) -> None:
    """Follow the opened stores: connection pool, chart-window cache, runs by state."""
    path = multiprocess_dir()
    if path is not None:
        reap_dead_workers(path)
    ctx.meta.instrument(metrics.store_hooks())
    app.state.cairn_run_states = RunStates(ctx.meta.count_runs_by_state)
