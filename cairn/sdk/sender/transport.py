"""HTTP to the Cairn server for the sender: one client, auth header, typed outcomes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cairn.__about__ import __version__
from cairn.sdk.net import Client, NetError, Response
from cairn.wire import CONTENT_TYPE

Outcome = Literal["ok", "gap", "retry", "too_large", "fatal"]


@dataclass(frozen=True, slots=True)
class PostResult:
    """What became of one POST: the next offset the server expects, or why not."""

    outcome: Outcome
    next_offset: int | None = None
    detail: str = ""
    rejected: tuple[dict[str, Any], ...] = ()
    retry_after_s: float | None = None
    """For ``retry``: how long the server asked to wait (429/503 Retry-After)."""
    public_url: str | None = None
    """For ``ok``: the address the server's web app is reached at, when it has one."""
    stop: bool = False
    """For ``ok``: the server asks the run to stop (the Stop button, hyperband, a cancelled
    sweep); absent in an answer means no."""
    stop_reason: str | None = None
    """For ``ok`` with ``stop``: why, when the server says (``user``, ``early_terminate``,
    ``sweep``)."""
    artifacts: tuple[dict[str, Any], ...] = ()
    """For ``ok``: the artifact records the batch applied, ``{"id", "name", "version",
    "digest"}`` each (wire v2)."""


class Transport:
    """Posts batches; network errors and 5xx become ``retry``, never exceptions."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float = 30.0) -> None:
        headers = {"User-Agent": f"cairn-sdk/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = Client(base_url, headers=headers, timeout_s=timeout_s, connect_timeout_s=5.0)

    def post_batch(self, body: bytes) -> PostResult:
        """POST one encoded batch to /api/v1/ingest."""
        try:
            response = self._client.request(
                "POST", "/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
            )
        except NetError as exc:
            return PostResult("retry", detail=str(exc))
        return classify(response)

    def upload_blob(self, sha256: str, path: Path) -> PostResult:
        """Upload a file under its sha256 unless the server has it already."""
        try:
            size = path.stat().st_size
        except OSError as exc:
            return PostResult("fatal", detail=f"cannot read {path}: {exc}")
        try:
            if self._client.request("HEAD", f"/api/v1/blobs/{sha256}").status == 200:
                return PostResult("ok")
            response = self._client.request(
                "PUT",
                f"/api/v1/blobs/{sha256}",
                file_path=path,
                headers={"Content-Type": "application/octet-stream"},
            )
        except NetError as exc:
            return PostResult("retry", detail=str(exc))
        except OSError as exc:
            return PostResult("fatal", detail=f"cannot read {path} ({size} bytes): {exc}")
        if response.status == 200:
            return PostResult("ok")
        return classify(response)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


_shared: dict[tuple[str, str | None], Transport] = {}
_shared_lock = threading.Lock()


def shared_transport(base_url: str, api_key: str | None) -> Transport:
    """One transport per server and key for the whole process: later runs reuse its connections."""
    with _shared_lock:
        transport = _shared.get((base_url, api_key))
        if transport is None:
            transport = _shared[(base_url, api_key)] = Transport(base_url, api_key)
        return transport


def _detail(response: Response) -> tuple[str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500], {}
    if not isinstance(body, dict):
        return str(body)[:500], {}
    return str(body.get("detail", ""))[:500], body


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds only; a date is ignored), capped."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), 60.0) if seconds == seconds else None


def classify(response: Response) -> PostResult:
    """What an answer to a POST means for the sender."""
    status = response.status
    detail, body = _detail(response)
    if status == 200:
        public_url = body.get("public_url")
        stop_reason = body.get("stop_reason")
        return PostResult(
            "ok",
            next_offset=int(body["next_offset"]),
            rejected=tuple(body.get("rejected") or ()),
            public_url=public_url if isinstance(public_url, str) else None,
            stop=body.get("stop") is True,
            stop_reason=stop_reason if isinstance(stop_reason, str) and stop_reason else None,
            artifacts=tuple(a for a in body.get("artifacts") or () if isinstance(a, dict)),
        )
    if status == 409 and isinstance(body.get("expected_offset"), int):
        return PostResult("gap", next_offset=body["expected_offset"], detail=detail)
    if status == 413:
        return PostResult("too_large", detail=detail)
    if status in (408, 425, 429) or status >= 500:
        return PostResult(
            "retry",
            detail=f"HTTP {status}: {detail}",
            retry_after_s=_retry_after(response.headers.get("retry-after")),
        )
    return PostResult("fatal", detail=f"HTTP {status}: {detail}")
