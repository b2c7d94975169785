"""HTTP to the Cairn server for the sender: one client, auth header, typed outcomes."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cairn.__about__ import __version__
from cairn.sdk.net import Client, NetError, Response
from cairn.sdk.sender.blobs import BlobOutcome, BlobUploader, LocalBlob
from cairn.wire import CONTENT_TYPE

Outcome = Literal["ok", "gap", "retry", "too_large", "refused", "fatal"]
"""``too_large`` (413) and ``refused`` (400, 415, 422) may be the fault of one record in the
batch; ``fatal`` (401, 403, 404, ...) is the run's or the caller's."""


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
    refused_blobs: Mapping[str, str] = field(default_factory=dict)
    """For :meth:`Transport.upload_blobs`: sha256 → why, for each blob refused for good (the
    outcome is then ``refused`` when the others all went up)."""


class Transport:
    """Posts batches; network errors and 5xx become ``retry``, never exceptions."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float = 30.0) -> None:
        headers = {"User-Agent": f"cairn-sdk/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = Client(base_url, headers=headers, timeout_s=timeout_s, connect_timeout_s=5.0)
        anonymous = {"User-Agent": headers["User-Agent"]}  # never our key to a store's URL
        self._blobs = BlobUploader(self._client, _blob_outcome, anonymous)

    def post_batch(self, body: bytes) -> PostResult:
        """POST one encoded batch to /api/v1/ingest."""
        try:
            response = self._client.request(
                "POST", "/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
            )
        except NetError as exc:
            return PostResult("retry", detail=str(exc))
        return classify(response)

    def upload_blobs(self, project: str, blobs: Sequence[LocalBlob]) -> PostResult:
        """Make the blobs stored on the server before records of ``project`` (``"e/p"``)
        reference them: one existence check per 10,000, then only the missing ones go up, in
        parallel, streamed from disk, in resumable parts when large. A blob refused for good
        (in ``refused_blobs``) does not keep the others from going up."""
        report = self._blobs.upload(project, blobs)
        outcome = report.outcome
        kind: Outcome = outcome.outcome if outcome.outcome != "refused" else "fatal"
        if kind == "ok" and report.refused:
            kind = "refused"
            detail = next(iter(report.refused.values()))
        else:
            detail = outcome.detail
        return PostResult(
            kind,
            detail=detail,
            retry_after_s=outcome.retry_after_s,
            refused_blobs=dict(report.refused),
        )

    def close(self) -> None:
        """Close the connection pools."""
        self._client.close()
        self._blobs.close()


_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
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
        text = response.text
        title = _TITLE.search(text)  # a proxy's HTML error page: its title says it
        return (title.group(1).strip() if title else text)[:500], {}
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


def _blob_outcome(response: Response) -> BlobOutcome:
    """What a refused blob request means for the sender (as :func:`classify`): a refusal of
    one request (413, 400, ...) is that blob's; 401, 403, 404 are every blob's."""
    result = classify(response)
    if result.outcome in ("too_large", "refused"):
        return BlobOutcome("refused", result.detail)
    if result.outcome in ("ok", "retry"):
        return BlobOutcome(result.outcome, result.detail, result.retry_after_s)
    return BlobOutcome("fatal", result.detail)  # no offsets here: a 409 gap is not one


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
        return PostResult("too_large", detail=f"HTTP 413: {detail}")
    if status in (400, 415, 422):
        return PostResult("refused", detail=f"HTTP {status}: {detail}")
    if status in (408, 425, 429) or status >= 500:
        return PostResult(
            "retry",
            detail=f"HTTP {status}: {detail}",
            retry_after_s=_retry_after(response.headers.get("retry-after")),
        )
    return PostResult("fatal", detail=f"HTTP {status}: {detail}")
