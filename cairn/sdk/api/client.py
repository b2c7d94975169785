"""A small HTTP client for the read API: JSON in and out, Cairn errors for 4xx answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cairn.__about__ import __version__
from cairn.errors import (
    AuthenticationError,
    CairnError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from cairn.sdk.net import Client, NetError, Response

_ERRORS: dict[int, type[CairnError]] = {
    400: InvalidInputError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidInputError,
}


def raise_for_status(response: Response) -> None:
    """The Cairn error for a 4xx/5xx answer, carrying the server's message; nothing otherwise."""
    if response.status < 400:
        return
    try:
        answer = response.json()
        detail = answer.get("detail", response.text) if isinstance(answer, dict) else answer
    except ValueError:
        detail = response.text
    error = _ERRORS.get(response.status, CairnError)
    raise error(f"{detail} (HTTP {response.status})")


class ApiClient:
    """Talks to one Cairn server with an optional API key."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 30) -> None:
        headers = {"User-Agent": f"cairn-sdk/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = Client(base_url, headers=headers, timeout_s=timeout_s)

    @property
    def base_url(self) -> str:
        """The server's address."""
        return self._client.base_url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send a request; the JSON answer, or a Cairn error carrying the server's message."""
        response = self.raw(method, path, params=params, json=json)
        raise_for_status(response)
        if response.status == 204 or not response.body:
            return None
        return response.json()

    def raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a request; the answer whatever its status (bytes, redirects), or CairnError
        when none came."""
        try:
            return self._client.request(
                method, path, params=params, json_body=json, headers=headers
            )
        except NetError as exc:
            raise CairnError(
                f"cannot reach the Cairn server at {self._client.base_url}: {exc}"
            ) from None

    def get_run(self, entity: str, project: str, run_id: str) -> dict[str, Any]:
        """One run's metadata."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/runs/{entity}/{project}/{run_id}")
        return result

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._client.close()
