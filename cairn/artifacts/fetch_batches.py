"""Small files of a version come down many per request (design 0017).

``POST /api/v1/projects/{e}/{p}/blobs/batch`` answers the bytes of up to 1,000 blobs the project
references, 8 MiB at most; each is checked against its sha256 and size before it enters the
cache. What the answer lists as missing, and everything when the server has no such route (an
older one: 404/405), is left to the per-file route, which names the problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from cairn.artifacts.cache import ArtifactCache
from cairn.artifacts.entries import Entry
from cairn.artifacts.names import ArtifactRef
from cairn.artifacts.staging import in_parallel
from cairn.errors import CairnError
from cairn.sdk.api.client import ApiClient, raise_for_status
from cairn.wire.blobs import MAX_BATCH_BLOBS, MAX_BATCH_BYTES, SMALL_BLOB_BYTES, decode_answer

NO_ROUTE: Final = (404, 405)


def small(size: int) -> bool:
    """Whether a file of ``size`` bytes comes down in a batch."""
    return size <= SMALL_BLOB_BYTES


def pack(sizes: dict[str, int]) -> list[list[str]]:
    """The addresses in groups of at most 8 MiB and 1,000 blobs (in the order given)."""
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for sha, size in sizes.items():
        if current and (used + size > MAX_BATCH_BYTES or len(current) == MAX_BATCH_BLOBS):
            groups.append(current)
            current, used = [], 0
        current.append(sha)
        used += size
    if current:
        groups.append(current)
    return groups


def fetch(
    client: ApiClient, ref: ArtifactRef, entries: dict[str, Entry], cache: ArtifactCache
) -> set[str]:
    """Fetch the blobs of ``entries`` (sha256 → an entry of that content) into the cache in
    batches; the addresses still to fetch one by one."""
    sizes = {sha: entry.size or 0 for sha, entry in entries.items()}
    groups = pack(sizes)
    if not groups:
        return set()
    url = f"/api/v1/projects/{ref.entity}/{ref.project}/blobs/batch"
    first = _fetch_group(client, url, ref, groups[0], entries, cache)
    if first is None:  # a server from before batches
        return set(sizes)
    left = set(first)
    rest = groups[1:]
    answers = in_parallel(lambda group: _fetch_group(client, url, ref, group, entries, cache), rest)
    for group, missing in zip(rest, answers, strict=True):
        left.update(group if missing is None else missing)
    return left


def _fetch_group(
    client: ApiClient,
    url: str,
    ref: ArtifactRef,
    group: Sequence[str],
    entries: dict[str, Entry],
    cache: ArtifactCache,
) -> list[str] | None:
    """Fetch one group into the cache: the addresses the answer did not carry, or None when
    the server has no batch route."""
    response = client.raw("POST", url, json={"blobs": list(group)})
    if response.status in NO_ROUTE:
        return None
    raise_for_status(response)
    blobs, _ = decode_answer(response.body)  # what it did not carry is missing
    for sha in group:
        data = blobs.get(sha)
        if data is None:
            continue
        got, entry = hashlib.sha256(data).hexdigest(), entries[sha]
        if got != sha or len(data) != entry.size:
            raise CairnError(
                f"the download of {entry.path!r} of {ref.path} is damaged: {len(data)} bytes "
                f"with sha256 {got}, expected {entry.size} bytes with sha256 {sha}; nothing "
                "was kept, download again"
            )
        cache.store(sha, data)
    return [sha for sha in group if sha not in blobs]
