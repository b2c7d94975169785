"""Small blobs go up many per request: ``POST /api/v1/blobs/batch`` (design 0017).

Blobs of at most ``min(1 MiB, batch size / 2)`` are packed into batches of at most the batch
size (8 MiB, or the server's part size when smaller: what a proxy in front of it lets through)
and 1,000 blobs. The server answers each blob on its own: a blob whose bytes hash otherwise is
refused alone (its file changed after it was hashed), the others are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cairn.sdk.net import Client, NetError
from cairn.wire.blobs import (
    BLOBS_CONTENT_TYPE,
    MAX_BATCH_BLOBS,
    MAX_BATCH_BYTES,
    PAIR_OVERHEAD,
    SMALL_BLOB_BYTES,
    encode_pairs,
)

if TYPE_CHECKING:
    from cairn.sdk.sender.blobs import BlobOutcome, LocalBlob

NO_BATCHES = (400, 404, 405, 413, 415, 422)
"""Answers that mean "send these one by one": a server without the route (404/405), or one
that will not take this body (a proxy's lower limit, a body it cannot read)."""


def pack(
    blobs: Sequence[LocalBlob], part_size: int
) -> tuple[list[list[LocalBlob]], list[LocalBlob]]:
    """The small blobs in batches (in the order given), and the blobs that go alone."""
    limit = min(MAX_BATCH_BYTES, part_size) - 16  # the array's own header
    small = min(SMALL_BLOB_BYTES, limit // 2)
    batches: list[list[LocalBlob]] = []
    alone: list[LocalBlob] = []
    current: list[LocalBlob] = []
    used = 0
    for blob in blobs:
        if blob.size > small:
            alone.append(blob)
            continue
        cost = blob.size + PAIR_OVERHEAD
        if current and (used + cost > limit or len(current) == MAX_BATCH_BLOBS):
            batches.append(current)
            current, used = [], 0
        current.append(blob)
        used += cost
    if current:
        batches.append(current)
    return batches, alone


def send_batch(
    client: Client,
    batch: Sequence[LocalBlob],
    classify: Callable[[Any], BlobOutcome],
) -> dict[str, BlobOutcome] | None:
    """Upload one batch; each blob's outcome by sha256, or None when the server will not take
    batches (send the blobs one by one)."""
    from cairn.sdk.sender.blobs import OK, BlobOutcome, unreadable

    outcomes: dict[str, BlobOutcome] = {}
    pairs: list[tuple[str, bytes]] = []
    by_sha: dict[str, LocalBlob] = {}
    for blob in batch:
        try:
            data = blob.path.read_bytes()
        except OSError:
            outcomes[blob.sha256] = unreadable(blob) or BlobOutcome(
                "refused", f"cannot read {blob.path}"
            )
            continue
        if len(data) != blob.size:
            outcomes[blob.sha256] = BlobOutcome(
                "refused",
                f"{blob.path} changed after it was saved ({len(data)} bytes, not {blob.size})",
            )
            continue
        pairs.append((blob.sha256, data))
        by_sha[blob.sha256] = blob
    if not pairs:
        return outcomes
    try:
        answer = client.request(
            "POST",
            "/api/v1/blobs/batch",
            content=encode_pairs(pairs),
            headers={"Content-Type": BLOBS_CONTENT_TYPE},
        )
    except NetError as exc:
        return {**outcomes, **{sha: BlobOutcome("retry", str(exc)) for sha in by_sha}}
    if answer.status in NO_BATCHES:
        return None
    if answer.status != 200:
        failed = classify(answer)
        if failed.outcome == "refused":  # about the caller, not one blob: stop them all
            failed = BlobOutcome("fatal", failed.detail)
        return {**outcomes, **dict.fromkeys(by_sha, failed)}
    try:
        results = answer.json()["results"]  # type: ignore[index]
        statuses = {str(r["sha256"]): (int(r["status"]), str(r.get("detail", ""))) for r in results}
    except (ValueError, TypeError, KeyError):
        return {**outcomes, **dict.fromkeys(by_sha, BlobOutcome("retry", "a malformed answer"))}
    for sha, blob in by_sha.items():
        status, detail = statuses.get(sha, (0, "the server did not answer for it"))
        if status == 200:
            outcomes[sha] = OK
        elif status == 409:  # the bytes hash otherwise: the file changed after it was hashed
            outcomes[sha] = BlobOutcome(
                "refused", f"{blob.path} changed after it was saved: {detail}"
            )
        else:
            outcomes[sha] = BlobOutcome("retry", f"{blob.path}: HTTP {status} {detail}")
    return outcomes
