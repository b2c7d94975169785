"""The W&B surface: an unmodified ``wandb`` client logs to Cairn (design 0016).

``install(app)`` adds ``POST /graphql``, ``file_stream``, and the capability URLs of run files
and artifacts. They are W&B's protocol, so they stay out of Cairn's OpenAPI schema.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the W&B routes on ``app``."""
    from cairn.server.compat.wandb.artifact_routes import router as artifact_router
    from cairn.server.compat.wandb.routes import router

    app.include_router(router)
    app.include_router(artifact_router)
