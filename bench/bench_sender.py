"""Sender CPU per frame: scanning a run log for file records, and draining it into batches.

A run log of 100,000 small records (values, console, summary; one in a hundred a ``file``
record whose blob is absent, so nothing is uploaded) is read by a real ``Sender`` whose transport
acknowledges every batch without any network, so the figures are the sender's own work:

- ``scan``: ``Sender._upload_files`` over all 100k frames (the per-frame file-record check);
- ``drain``: ``send_once`` until the log is acknowledged (reading frames, the file check,
  encoding and compressing batches).

CPU time of this process (the sender is single-threaded here), not wall time: on a shared machine
it varies far less. Median of 5 runs, or of N with ``python bench/bench_sender.py N``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cairn.sdk.runlog.files import LogReader, LogWriter, Progress, write_progress
from cairn.sdk.runlog.format import LogHeader
from cairn.sdk.sender.blobs import LocalBlob
from cairn.sdk.sender.sender import Sender
from cairn.sdk.sender.transport import PostResult
from cairn.wire import encode_records

FRAMES = 100_000
REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


class _AckAll:
    """A transport that acknowledges every batch at once (no network)."""

    def post_batch(self, body: bytes) -> PostResult:
        return PostResult("ok")

    def upload_blobs(self, project: str, blobs: Sequence[LocalBlob]) -> PostResult:
        return PostResult("ok")


def _record(i: int) -> list[Any]:
    if i % 100 == 0:
        return ["file", {"path": f"out/f{i}.txt", "sha256": "ab" * 32, "size": 10}]
    if i % 3 == 0:
        return ["values", {"step": i, "time": 1.0 + i, "values": {"label": f"text {i}"}}]
    if i % 3 == 1:
        return ["console", {"stream": "stdout", "lines": [f"line {i}"], "time": 1.0 + i}]
    return ["summary", {"set": {"loss": i * 0.5}}]


def _write_log(path: Path) -> None:
    header = LogHeader(os.urandom(16), "bench", "bench", "run1", time.time(), None)
    writer = LogWriter(path, header)
    records = [_record(i) for i in range(FRAMES)]
    for start in range(0, FRAMES, 1000):
        writer.append(encode_records(records[start : start + 1000]))
    writer.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        log = Path(work) / "run-run1.cairn"
        _write_log(log)
        reader = LogReader(log)
        frames = list(reader.frames())
        reader.close()
        assert len(frames) == FRAMES
        scans, drains = [], []
        for _ in range(REPEATS):
            sender = Sender(log, _AckAll())  # type: ignore[arg-type]
            t0 = time.process_time()
            assert sender._upload_files([f.payload for f in frames]) is None  # as _post does
            scans.append(time.process_time() - t0)
            sender.close()
            write_progress(log, Progress(0, None))
            sender = Sender(log, _AckAll())  # type: ignore[arg-type]
            t0 = time.process_time()
            while sender.send_once():
                pass
            drains.append(time.process_time() - t0)
            assert sender.acked == FRAMES
            sender.close()
            write_progress(log, Progress(0, None))
        print(f"scan  {FRAMES} frames CPU: {statistics.median(scans) * 1000:7.1f} ms (median of "
              f"{REPEATS}; range {min(scans) * 1000:.1f}-{max(scans) * 1000:.1f})")  # fmt: skip
        print(f"drain {FRAMES} frames CPU: {statistics.median(drains) * 1000:7.1f} ms (median of "
              f"{REPEATS}; range {min(drains) * 1000:.1f}-{max(drains) * 1000:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
