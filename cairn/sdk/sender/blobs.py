"""Putting a run's blobs on the server: one batched existence check, then parallel uploads
streamed from disk, in parts past the server's part size (design 0013, "Blobs at scale").

A blob refused for good (its file is gone or changed, the server or a proxy will not take it)
is reported apart from the others, which still go up: the sender sets aside only the records
that name it (design 0015).

A multipart upload resumes where it stopped: asking the server for the blob's session again
(same caller, same sha256) answers the parts it already holds, and only the others are sent.
Small blobs go up many per request (``blob_batches``), or one by one with ``PUT`` to a server
without the batch route. Against a server without ``/blobs/missing`` (404/405) each blob is
checked with ``HEAD`` and sent whole with ``PUT``, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from cairn.sdk.net import Client, NetError, Response
from cairn.sdk.sender import blob_batches

log = logging.getLogger("cairn.sender")

THREADS = 4
MAX_CHECK = 10_000
"""Addresses per existence check (the server's limit)."""
DEFAULT_PART_SIZE = 64 * 1024 * 1024
COMPLETE_BYTES_PER_S = 20 * 1024 * 1024
"""A pessimistic rate at which the server reads an upload back to hash it (for a timeout)."""
BlobOutcomeKind = Literal["ok", "refused", "retry", "fatal"]
"""``refused``: this blob will never go up as it is; ``fatal``: no blob of this caller will."""
_WORST: tuple[BlobOutcomeKind, ...] = ("ok", "refused", "retry", "fatal")


@dataclass(frozen=True, slots=True)
class LocalBlob:
    """A file on disk to store on the server under the sha256 of its ``size`` bytes."""

    sha256: str
    size: int
    path: Path


@dataclass(frozen=True, slots=True)
class BlobOutcome:
    """What became of an upload (the sender turns it into a PostResult)."""

    outcome: BlobOutcomeKind
    detail: str = ""
    retry_after_s: float | None = None


OK = BlobOutcome("ok")


@dataclass(frozen=True, slots=True)
class BlobReport:
    """What became of an upload of many blobs."""

    outcome: BlobOutcome
    """The worst outcome of the blobs not refused (``ok`` when they are all on the server)."""
    refused: dict[str, str]
    """sha256 → why, for each blob refused for good."""


@dataclass
class _Multipart:
    blob: LocalBlob
    id: str
    part_size: int
    todo: list[int]
    urls: dict[int, str]


Classify = Callable[[Response], BlobOutcome]


class BlobUploader:
    """Uploads blobs over one server client; thread-safe (the client is)."""

    def __init__(
        self, client: Client, classify: Classify, headers: dict[str, str], threads: int = THREADS
    ) -> None:
        self._client = client
        self._classify = classify
        self._headers = headers
        self._threads = threads
        self._direct: dict[str, Client] = {}
        self._lock = threading.Lock()

    def upload(self, project: str, blobs: Sequence[LocalBlob]) -> BlobReport:
        """Make every blob stored on the server: each blob refused for good is named in the
        report; the others went up (or were there already) when its outcome is ``ok``."""
        # The first file of each content still on disk: a run's later copy under the same name
        # may have been overwritten since (a "live" save), an earlier one of another name not.
        copies: dict[str, list[LocalBlob]] = {}
        for blob in blobs:
            copies.setdefault(blob.sha256, []).append(blob)
        unique = [
            same[0] if len(same) == 1 else min(same, key=lambda b: not b.path.is_file())
            for same in copies.values()
        ]
        missing: list[LocalBlob] = []
        part_size = DEFAULT_PART_SIZE
        legacy = False
        for start in range(0, len(unique), MAX_CHECK):
            batch = unique[start : start + MAX_CHECK]
            try:
                answer = self._client.request(
                    "POST",
                    "/api/v1/blobs/missing",
                    json_body={"project": project, "blobs": [b.sha256 for b in batch]},
                )
            except NetError as exc:
                return BlobReport(BlobOutcome("retry", str(exc)), {})
            if answer.status in (404, 405):  # a server from before /blobs/missing
                legacy = True
                missing = unique
                break
            if answer.status != 200:
                return BlobReport(_run_wide(self._classify(answer)), {})
            body = _json(answer)
            wanted = set(body.get("missing") or ())
            missing += [b for b in batch if b.sha256 in wanted]
            part_size = int(body.get("part_size") or part_size)
        results: dict[str, BlobOutcome] = {}
        for blob in missing:
            gone = unreadable(blob)
            if gone is not None:
                results[blob.sha256] = gone
        missing = [b for b in missing if b.sha256 not in results]
        if missing:
            pool = _Pool(min(self._threads, len(missing)))
            results.update(self._send(pool, project, missing, part_size, legacy))
        refused = {sha: o.detail for sha, o in results.items() if o.outcome == "refused"}
        rest = _worst(o for o in results.values() if o.outcome != "refused")
        return BlobReport(rest, refused)

    def _send(
        self,
        pool: _Pool,
        project: str,
        missing: list[LocalBlob],
        part_size: int,
        legacy: bool,
    ) -> dict[str, BlobOutcome]:
        """Upload the blobs the server lacks; each one's outcome by sha256."""
        if legacy:
            outcomes = pool.map(self._head_then_put, missing)
            return dict(zip([b.sha256 for b in missing], outcomes, strict=True))
        batches, alone = blob_batches.pack(missing, part_size)
        results, unbatched = self._send_batches(pool, batches)
        small = unbatched + [b for b in alone if b.size <= part_size]
        large = [b for b in alone if b.size > part_size]
        results.update(zip([b.sha256 for b in small], pool.map(self._put, small), strict=True))
        opened = list(pool.map(lambda b: self._open(project, b), large))
        sessions = [s for s in opened if isinstance(s, _Multipart)]
        for blob, session in zip(large, opened, strict=True):
            if isinstance(session, BlobOutcome):
                results[blob.sha256] = session
        parts = [(s, n) for s in sessions for n in s.todo]
        sent = list(pool.map(lambda job: self._send_part(*job), parts))
        for (session, _), outcome in zip(parts, sent, strict=True):
            sha = session.blob.sha256
            results[sha] = _worst([results.get(sha, OK), outcome])
        ready = [s for s in sessions if results.get(s.blob.sha256, OK) == OK]
        for session, outcome in zip(ready, pool.map(self._complete, ready), strict=True):
            results[session.blob.sha256] = outcome
        return results

    def _send_batches(
        self, pool: _Pool, batches: list[list[LocalBlob]]
    ) -> tuple[dict[str, BlobOutcome], list[LocalBlob]]:
        """Each batched blob's outcome, and the blobs to send one by one instead (all of them
        when the server takes no batches: the first batch goes alone to find out)."""
        results: dict[str, BlobOutcome] = {}
        if not batches:
            return results, []
        first = blob_batches.send_batch(self._client, batches[0], self._classify)
        if first is None:
            return results, [b for batch in batches for b in batch]
        results.update(first)
        unbatched: list[LocalBlob] = []
        send = lambda batch: blob_batches.send_batch(self._client, batch, self._classify)  # noqa: E731
        for batch, outcomes in zip(batches[1:], pool.map(send, batches[1:]), strict=True):
            if outcomes is None:
                unbatched += batch
            else:
                results.update(outcomes)
        return results, unbatched

    def _put(self, blob: LocalBlob) -> BlobOutcome:
        try:
            answer = self._client.request(
                "PUT",
                f"/api/v1/blobs/{blob.sha256}",
                file_path=blob.path,
                headers={"Content-Type": "application/octet-stream"},
            )
        except NetError as exc:
            return unreadable(blob) or BlobOutcome("retry", str(exc))
        return OK if answer.status == 200 else self._failed(blob, answer)

    def _head_then_put(self, blob: LocalBlob) -> BlobOutcome:
        try:
            if self._client.request("HEAD", f"/api/v1/blobs/{blob.sha256}").status == 200:
                return OK
        except NetError as exc:
            return BlobOutcome("retry", str(exc))
        return self._put(blob)

    def _open(self, project: str, blob: LocalBlob) -> _Multipart | BlobOutcome:
        body = {"sha256": blob.sha256, "size": blob.size, "project": project}
        try:
            answer = self._client.request("POST", "/api/v1/uploads", json_body=body)
        except NetError as exc:
            return BlobOutcome("retry", str(exc))
        if answer.status in (404, 405):  # a server without multipart uploads: send it whole
            return self._put(blob)
        if answer.status != 200:
            return self._classify(answer)
        session = _json(answer)
        part_size = int(session["part_size"])
        count = -(-blob.size // part_size)
        done = set(session.get("parts_done") or ())
        if done:
            log.info(
                "resuming the upload of %s: %d of %d parts are on the server",
                blob.path,
                len(done),
                count,
            )
        urls = {int(n): str(url) for n, url in (session.get("urls") or {}).items()}
        todo = [n for n in range(1, count + 1) if n not in done]
        return _Multipart(blob, str(session["id"]), part_size, todo, urls)

    def _send_part(self, session: _Multipart, number: int) -> BlobOutcome:
        offset = (number - 1) * session.part_size
        length = min(session.part_size, session.blob.size - offset)
        span = (offset, length)
        url = session.urls.get(number)
        try:
            if url is not None:
                client, path, query = self._direct_target(url)
                answer = client.request(
                    "PUT", path, raw_query=query, file_path=session.blob.path, file_range=span
                )
            else:
                answer = self._client.request(
                    "PUT",
                    f"/api/v1/uploads/{session.id}/parts/{number}",
                    file_path=session.blob.path,
                    file_range=span,
                    headers={"Content-Type": "application/octet-stream"},
                )
        except NetError as exc:
            return unreadable(session.blob) or BlobOutcome("retry", str(exc))
        if 200 <= answer.status < 300:
            return OK
        if url is not None:  # the store refused (an expired URL...): ask the server again
            return BlobOutcome("retry", f"the store answered HTTP {answer.status} to part {number}")
        return self._failed(session.blob, answer)

    def _complete(self, session: _Multipart) -> BlobOutcome:
        timeout = 60.0 + session.blob.size / COMPLETE_BYTES_PER_S
        try:
            answer = self._client.request(
                "POST", f"/api/v1/uploads/{session.id}/complete", timeout_s=timeout
            )
        except NetError as exc:
            return BlobOutcome("retry", str(exc))
        if answer.status == 200:
            return OK
        if answer.status == 409 and "missing_parts" in _json(answer):
            return BlobOutcome("retry", f"the server misses parts of {session.blob.path}")
        return self._failed(session.blob, answer)

    def _failed(self, blob: LocalBlob, answer: Response) -> BlobOutcome:
        outcome = self._classify(answer)
        if answer.status == 409:  # the content hashes otherwise: the file changed after hashing
            detail = f"{blob.path} changed after it was saved: {outcome.detail}"
            return BlobOutcome("refused", detail)
        if answer.status == 413:
            detail = (
                f"{blob.path}: the server or a proxy in front of it refused a request of up to "
                f"the upload part size ({outcome.detail}); a proxy's body limit must be at least "
                "the server's part size (docs/deployment.md)"
            )
            return BlobOutcome("refused", detail)
        return outcome

    def _direct_target(self, url: str) -> tuple[Client, str, str]:
        """A client without our credentials for a presigned URL's origin, its path and query."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            client = self._direct.get(origin)
            if client is None:
                client = self._direct[origin] = Client(origin, headers=self._headers)
        return client, parts.path, parts.query

    def close(self) -> None:
        """Close the connections to stores."""
        with self._lock:
            clients, self._direct = list(self._direct.values()), {}
        for client in clients:
            client.close()


_T = TypeVar("_T")
_R = TypeVar("_R")


class _Pool:
    """``map`` over a few threads started for the call.

    Not concurrent.futures: its first import registers an atexit hook, which fails while the
    interpreter shuts down, and a run's last upload may run in an atexit ``finish()``.
    """

    def __init__(self, threads: int) -> None:
        self._threads = max(1, threads)

    def map(self, fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        """``[fn(item) for item in items]``, computed in parallel; the first error is raised."""
        results: list[Any] = [None] * len(items)
        errors: list[BaseException] = []
        cursor = iter(range(len(items)))
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None or errors:
                    return
                try:
                    results[index] = fn(items[index])
                except BaseException as exc:  # handed to the caller below
                    errors.append(exc)

        workers = [threading.Thread(target=work, daemon=True) for _ in range(self._threads)]
        for worker in workers[1:]:
            worker.start()
        work()
        for worker in workers[1:]:
            worker.join()
        if errors:
            raise errors[0]
        return results


def _json(answer: Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def unreadable(blob: LocalBlob) -> BlobOutcome | None:
    """``refused`` when the blob's file is gone or no longer of its size, else None."""
    try:
        size = blob.path.stat().st_size
    except FileNotFoundError:
        return BlobOutcome("refused", f"{blob.path} is gone from disk")
    except OSError as exc:
        return BlobOutcome("refused", f"cannot read {blob.path}: {exc}")
    if size != blob.size:
        return BlobOutcome(
            "refused", f"{blob.path} changed after it was saved ({size} bytes, not {blob.size})"
        )
    return None


def _run_wide(outcome: BlobOutcome) -> BlobOutcome:
    """A refusal of a request about all the blobs stops them all."""
    return BlobOutcome("fatal", outcome.detail) if outcome.outcome == "refused" else outcome


def _worst(outcomes: Any) -> BlobOutcome:
    worst = OK
    for outcome in outcomes:
        if _WORST.index(outcome.outcome) > _WORST.index(worst.outcome):
            worst = outcome
    return worst
