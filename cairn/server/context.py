"""What every request handler needs: settings and the opened stores."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from cairn.server.settings import ServerSettings
from cairn.server.store.base import BlobStore, SeriesStore


@dataclass(frozen=True, slots=True)
class ServerContext:
    """The server's opened resources, built once by ``create_app``."""

    settings: ServerSettings
    engine: Engine
    series: SeriesStore
    blobs: BlobStore

    @property
    def read_engine(self) -> Engine:
        """The engine for read-only transactions (no SQLite write lock)."""
        from cairn.server.store.sql.engine import read_only

        return read_only(self.engine)


async def get_context(request: Request) -> ServerContext:
    """FastAPI dependency: the app's context (async: no thread hop for a lookup)."""
    ctx: ServerContext = request.app.state.cairn
    return ctx
