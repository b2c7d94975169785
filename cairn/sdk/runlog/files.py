"""Opening, appending to and reading run logs, and the sender's progress beside each log."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cairn.sdk.runlog.format import LogHeader, encode_frame, encode_header, read_frame, read_header

LOG_SUFFIX = ".cairn"
PROGRESS_SUFFIX = ".acked"


class LogWriter:
    """Appends framed records to a new run log. One thread owns a writer.

    ``append`` hands bytes to the OS at once (no user-space buffer), so a killed process loses
    nothing it appended; ``sync`` makes them survive a power cut.
    """

    def __init__(self, path: Path, header: LogHeader) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.header = header
        self._file: BinaryIO = path.open("xb", buffering=0)
        self._file.write(encode_header(header))
        self.records = 0
        self.last_sync = time.monotonic()

    def append(self, payloads: list[bytes]) -> int:
        """Append records; returns the offset of the first."""
        first = self.records
        self._file.write(b"".join(encode_frame(p) for p in payloads))
        self.records += len(payloads)
        return first

    def sync(self) -> None:
        """fsync the log."""
        os.fsync(self._file.fileno())
        self.last_sync = time.monotonic()

    def sync_if_due(self, interval_s: float) -> None:
        """fsync when the last one is older than ``interval_s``."""
        if time.monotonic() - self.last_sync >= interval_s:
            self.sync()

    def close(self) -> None:
        """fsync and close."""
        if not self._file.closed:
            self.sync()
            self._file.close()


@dataclass(frozen=True, slots=True)
class Frame:
    """A record read back: its offset, where the next frame starts, its payload."""

    offset: int
    end: int
    payload: bytes


class LogReader:
    """Reads a run log from any (offset, byte position), tolerating a torn last frame."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = path.open("rb")
        self.header, self.start = read_header(self._file)

    def frames(self, offset: int = 0, position: int | None = None) -> Iterator[Frame]:
        """Frames from ``offset`` (at byte ``position`` when known) to the end of the intact log."""
        pos = self.start if position is None else position
        index = 0 if position is None else offset
        self._file.seek(pos)
        while True:
            payload = read_frame(self._file)
            if payload is None:
                return
            pos += 8 + len(payload)
            if index >= offset:
                yield Frame(index, pos, payload)
            index += 1

    def close(self) -> None:
        """Close the file."""
        self._file.close()


@dataclass(frozen=True, slots=True)
class Progress:
    """How far the server has acknowledged a log: next offset and its byte position."""

    offset: int
    position: int | None


def progress_path(log: Path) -> Path:
    """The progress file beside a log."""
    return log.with_suffix(PROGRESS_SUFFIX)


def read_progress(log: Path) -> Progress:
    """The acknowledged progress of a log (nothing acknowledged when absent or unreadable)."""
    try:
        offset, position = progress_path(log).read_text().split()
        return Progress(int(offset), None if int(position) < 0 else int(position))
    except (OSError, ValueError):
        return Progress(0, None)


def write_progress(log: Path, progress: Progress) -> None:
    """Record progress atomically (write a temp file, then rename)."""
    target = progress_path(log)
    temp = target.with_suffix(".tmp")
    position = -1 if progress.position is None else progress.position
    temp.write_text(f"{progress.offset} {position}\n")
    os.replace(temp, target)


def count_records(log: Path) -> int:
    """How many intact records a log holds."""
    reader = LogReader(log)
    try:
        return sum(1 for _ in reader.frames())
    finally:
        reader.close()
