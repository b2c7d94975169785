"""What every request handler needs: settings and the opened stores."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cairn.server.automations.secrets import SecretBox
from cairn.server.settings import ServerSettings
from cairn.server.store.base import BlobStore
from cairn.server.store.metadata import MetadataStore


@dataclass(frozen=True, slots=True)
class ServerContext:
    """The server's opened resources, built once by ``create_app``."""

    settings: ServerSettings
    meta: MetadataStore
    blobs: BlobStore
    secrets: SecretBox
    """Seals and opens automation secrets with the server key."""


async def get_context(request: Request) -> ServerContext:
    """FastAPI dependency: the app's context (async: no thread hop for a lookup)."""
    ctx: ServerContext = request.app.state.cairn
    return ctx
