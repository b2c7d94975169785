"""A small HTTP client for the read API: JSON in and out, Cairn errors for 4xx answers."""

from __future__ import annotations

from typing import Any

import httpx

from cairn.__about__ import __version__
from cairn.errors import (
    AuthenticationError,
    CairnError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

_ERRORS: dict[int, type[CairnError]] = {
    400: InvalidInputError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidInputError,
}


class ApiClient:
    """Talks to one Cairn server with an optional API key."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 30) -> None:
        headers = {"User-Agent": f"cairn-sdk/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout_s)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; the JSON answer, or a Cairn error carrying the server's message."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CairnError(
                f"cannot reach the Cairn server at {self._client.base_url}: {exc}"
            ) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            error = _ERRORS.get(response.status_code, CairnError)
            raise error(f"{detail} (HTTP {response.status_code})")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get_run(self, entity: str, project: str, run_id: str) -> dict[str, Any]:
        """One run's metadata."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/runs/{entity}/{project}/{run_id}")
        return result

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
