"""The sender: streams a run log to the server exactly once, from wherever it was left.

It reads frames after the acknowledged progress, posts them as numbered batches, and records the
server's acknowledgement beside the log only after a 200. A resent batch is skipped by the
server; a 409 says where to resume. Network errors and 5xx are retried with exponential backoff
and jitter; nothing here ever blocks ``log()``, which only talks to the writer.

A refusal that may be one record's (413, 400) halves the batch until that record is alone; when
the server then takes an empty batch at its offset, the record is set aside (design 0015): listed
beside the log, replaced by a note on the run, and everything after it still goes. So is a file
record whose blob is refused for good. Refusals of the run itself (401, 403, ...) stop it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cairn.artifacts import sending as artifact_sending
from cairn.errors import InvalidInputError
from cairn.sdk.runlog.aside import AsideEntry, add_aside, read_aside
from cairn.sdk.runlog.files import Frame, LogReader, Progress, read_progress, write_progress
from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.setaside import describe, stand_in
from cairn.sdk.sender.transport import PostResult, Transport
from cairn.wire import decode_record, encode_batch, of_kind
from cairn.wire.records import FILE

log = logging.getLogger("cairn.sender")

MAX_BACKOFF_S = 30.0
MAX_PACE_S = 2.0


@dataclass
class SendStatus:
    """Where a sender stands."""

    acked: int
    fatal: str | None = None


class Sender:
    """Sends one run log; use from one thread at a time."""

    def __init__(
        self,
        log_path: Path,
        transport: Transport,
        *,
        max_records: int = 5000,
        max_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.log_path = log_path
        self._transport = transport
        self._reader = LogReader(log_path)
        self.header = self._reader.header
        self.progress = read_progress(log_path)
        self._max_records = max_records
        self._max_bytes = max_bytes
        self._limits = (max_records, max_bytes)
        self.aside: dict[int, AsideEntry] = read_aside(log_path)
        """This log's records set aside, by offset (the ``.aside`` file beside it)."""
        self._failures = 0
        self.fatal: str | None = None
        self._next_send_at = 0.0
        self.public_url: str | None = None
        """The server's public address, once an answer told it."""
        self._warned_rejections = False
        self._artifacts = artifact_sending.ArtifactUploads(
            log_path.parent, f"{self.header.entity or 'local'}/{self.header.project}", transport
        )
        self.stop_reason: str | None = None
        """Set (never cleared) once an answer asked the run to stop: the reason, or ``user``
        when the server gave none."""

    @property
    def acked(self) -> int:
        """Records the server has acknowledged."""
        return self.progress.offset

    def _next_frames(self) -> list[Frame]:
        frames: list[Frame] = []
        size = 0
        for frame in self._reader.frames(self.progress.offset, self.progress.position):
            frames.append(self._stand_in(frame))
            size += len(frame.payload)
            if len(frames) >= self._max_records or size >= self._max_bytes:
                break
        return frames

    def _stand_in(self, frame: Frame) -> Frame:
        """The frame as sent: a set-aside record's note in its place."""
        entry = self.aside.get(frame.offset)
        if entry is None:
            return frame
        return Frame(frame.offset, frame.end, stand_in(self.header.stream, entry))

    def ready_in(self) -> float:
        """Seconds to wait before the next send: as long as the last answer took (capped), so
        a slow server gets rarer, bigger batches; 0 when it answers quickly."""
        return max(0.0, self._next_send_at - time.monotonic())

    def send_once(self, stop: threading.Event | None = None) -> bool:
        """Send the next batch if there is one; True when something was acknowledged.

        On a retryable failure it waits out the backoff (interruptible by ``stop``) and
        returns False.
        """
        if self.fatal:
            return False
        frames = self._next_frames()
        if not frames:
            return False
        return self._post(frames, stop)

    def _upload_files(self, frames: list[Frame]) -> PostResult | None:
        """Upload the blobs that the file records among ``frames`` name, setting aside the
        records of blobs refused for good; a failure that holds back the batch, or None."""
        blobs: list[LocalBlob] = []
        naming: dict[str, list[Frame]] = {}
        for frame in frames:
            if not of_kind([frame.payload], FILE):
                continue
            try:
                _, body = decode_record(frame.payload)
            except InvalidInputError:
                continue  # the server rejects the record itself and reports it
            local = self.log_path.parent / "files" / body["path"]
            blobs.append(LocalBlob(body["sha256"], body["size"], local))
            naming.setdefault(body["sha256"], []).append(frame)
        if not blobs:
            return None
        project = f"{self.header.entity or 'local'}/{self.header.project}"
        result = self._transport.upload_blobs(project, blobs)
        for sha, reason in result.refused_blobs.items():
            for frame in naming.get(sha, ()):
                self._set_aside(frame, reason)
        return None if result.outcome in ("ok", "refused") else result

    def _post(self, frames: list[Frame], stop: threading.Event | None) -> bool:
        failed = self._upload_files(frames)
        payloads: list[bytes] = []
        if failed is None:
            frames = [self._stand_in(f) for f in frames]  # files just set aside
            payloads = [f.payload for f in frames]
            if artifact_sending.has_artifacts(payloads):
                # their blobs first: the server applies a version only when it has every file
                payloads, failed = self._artifacts.prepare(payloads)
        if failed is not None:
            return self._handle_result(failed, frames, stop)
        body = self._batch(frames[0].offset, payloads)
        started = time.monotonic()
        result = self._transport.post_batch(body)
        if result.outcome == "ok":
            # A server that answers slowly is busy: the next send waits about as long, so
            # records gather into bigger, rarer batches (none are dropped, they wait in the log).
            finished = time.monotonic()
            self._next_send_at = finished + min(MAX_PACE_S, finished - started)
            if result.public_url:
                self.public_url = result.public_url
            artifact_sending.applied(result)
        return self._handle_result(result, frames, stop)

    def _batch(self, first_offset: int, payloads: list[bytes]) -> bytes:
        header = self.header
        return encode_batch(
            header.entity or "local",
            header.project,
            header.run_id,
            header.stream,
            first_offset,
            payloads,
            version=header.wire,
        )

    def _handle_result(
        self, result: PostResult, frames: list[Frame], stop: threading.Event | None
    ) -> bool:
        if result.outcome == "ok":
            self._failures = 0
            self.note_answer(result)
            self._advance(Progress(frames[-1].offset + 1, frames[-1].end))
            if result.rejected and not self._warned_rejections:
                self._warned_rejections = True
                log.warning("the server rejected %d record(s): %s", len(result.rejected),
                            result.rejected[0].get("error"))  # fmt: skip
            return True
        if result.outcome == "gap" and result.next_offset is not None:
            log.info("server expects offset %d; resuming there", result.next_offset)
            self._advance(Progress(result.next_offset, None))
            return False
        if result.outcome in ("too_large", "refused") and len(frames) > 1:
            # Maybe one record's fault: halve until it is alone (a body limit: until they fit).
            self._max_records = max(1, len(frames) // 2)
            if result.outcome == "too_large":
                self._max_bytes = max(1024, self._max_bytes // 2)
            return False
        if result.outcome in ("too_large", "refused"):
            return self._refused_alone(frames[0], result, stop)
        if result.outcome == "fatal":
            self._stop_for_good(result.detail)
            return False
        self._failures += 1
        if result.retry_after_s is not None:
            # The server said when: come back then, spread so refused writers do not return
            # together (and no writer is the one always refused).
            delay = result.retry_after_s * random.uniform(1.0, 1.5)
        else:
            delay = min(MAX_BACKOFF_S, 0.25 * 2 ** min(self._failures, 10))
            delay *= random.uniform(0.5, 1.0)
        log.debug("send failed (%s); retrying in %.1f s", result.detail, delay)
        if stop is not None:
            stop.wait(delay)
        else:
            time.sleep(delay)
        return False

    def _refused_alone(
        self, frame: Frame, result: PostResult, stop: threading.Event | None
    ) -> bool:
        """One record refused: set it aside when the server takes a batch without it."""
        if frame.offset in self.aside:  # its stand-in refused: the run's data is refused
            self._stop_for_good(result.detail)
            return False
        probe = self._transport.post_batch(self._batch(frame.offset, []))
        if probe.outcome == "ok":
            self.note_answer(probe)
            self._set_aside(frame, result.detail)
            self._max_records, self._max_bytes = self._limits
            return self.send_once(stop)
        if probe.outcome in ("gap", "retry"):
            return self._handle_result(probe, [frame], stop)
        self._stop_for_good(result.detail)  # not the record's fault: the run's
        return False

    def _set_aside(self, frame: Frame, reason: str) -> None:
        """Record ``frame`` as set aside, and tell the user once."""
        if frame.offset in self.aside:
            return
        kind, what = describe(frame.payload)
        entry = AsideEntry(frame.offset, kind, reason, time.time(), what)
        add_aside(self.log_path, entry)
        self.aside[frame.offset] = entry
        log.warning(
            "cairn: set aside a %s record (%s, offset %d) of %s: %s. The rest of the run is "
            "still sent; `cairn sync --retry-aside %s` tries it again once fixed",
            kind,
            what,
            frame.offset,
            self.log_path.parent,
            reason,
            self.log_path.parent,
        )

    def _stop_for_good(self, detail: str) -> None:
        self.fatal = detail
        log.error(
            "the server refused this run's data (%s); keep the run log and run "
            "`cairn sync %s` once fixed",
            detail,
            self.log_path.parent,
        )

    def _advance(self, progress: Progress) -> None:
        self.progress = progress
        write_progress(self.log_path, progress)

    def note_answer(self, result: PostResult) -> None:
        """Remember a stop request an acknowledged answer carries."""
        if result.outcome == "ok" and result.stop and self.stop_reason is None:
            self.stop_reason = result.stop_reason or "user"

    def heartbeat(self) -> None:
        """Tell the server the run is alive (an empty batch at the acknowledged offset)."""
        self.note_answer(self._transport.post_batch(self._batch(self.progress.offset, [])))

    def close(self) -> None:
        """Release the log file (the transport belongs to whoever made it)."""
        self._reader.close()
