"""The HTTP client and the name rules the registry functions share."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from cairn.errors import InvalidInputError
from cairn.sdk.api.client import ApiClient

if TYPE_CHECKING:
    from cairn.sdk.api.public import Api


def client_of(api: Api | None) -> ApiClient:
    """``api``'s client, or one for the configured server (``CAIRN_BASE_URL``, the login)."""
    if api is not None:
        return api._client
    from cairn.sdk.login import server_and_key

    return ApiClient(*server_and_key())


def split_model(path: str) -> tuple[str, str]:
    """``(entity, name)`` of ``entity/name``, or of ``name`` in the default entity
    (``CAIRN_ENTITY``, else the signed-in user)."""
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0]:
        from cairn.sdk.settings import load_settings

        return load_settings().default_entity(), parts[0]
    if len(parts) != 2 or not all(parts):
        raise InvalidInputError(f"a registered model is entity/name or name, got {path!r}")
    return parts[0], parts[1]


def segment(text: str) -> str:
    """``text`` as one URL path segment."""
    return quote(text, safe="")


def model_url(entity: str, name: str, suffix: str = "") -> str:
    """The route of a registered model."""
    return f"/api/v1/registry/{segment(entity)}/{segment(name)}{suffix}"
