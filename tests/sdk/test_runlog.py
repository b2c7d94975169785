"""The run log: old versions still sync, a torn tail is dropped, a full disk drops records only."""

from __future__ import annotations

import errno
import os
import queue
import shutil
import threading
from pathlib import Path

import pytest

import cairn
from cairn.errors import InvalidInputError, WireVersionError
from cairn.sdk.runlog.files import LogReader, LogWriter, count_records
from cairn.sdk.runlog.format import LogHeader
from cairn.sdk.settings import load_settings
from cairn.sdk.sync import sync_log
from cairn.sdk.writer import Writer
from cairn.wire.records import finish_record
from tests.serverproc import ServerProcess

ASSETS = Path(__file__).parent.parent / "assets" / "runlogs"


@pytest.mark.parametrize("version", sorted(p.name for p in ASSETS.iterdir()))
def test_every_released_run_log_version_still_syncs(
    version: str, server: ServerProcess, tmp_path: Path
) -> None:
    copy = tmp_path / version
    shutil.copytree(ASSETS / version, copy)
    (log,) = copy.glob("*.cairn")
    state = sync_log(log, load_settings(base_url=server.base_url))
    assert state.pending == 0
    run = cairn.Api(base_url=server.base_url).run(state.run_path)
    assert run.state == "finished"
    assert run.config == {"lr": 0.1}
    rows = list(run.scan_history(keys=["loss"]))
    assert len(rows) == 100


def test_the_wire_2_run_log_syncs_its_alert_and_artifact(
    server: ServerProcess, tmp_path: Path
) -> None:
    """v2 holds v1's records plus an ``alert`` and an ``artifact`` (two staged files and an https
    reference), the blobs in its ``artifact-staging`` folder as a run leaves them."""
    copy = tmp_path / "v2"
    shutil.copytree(ASSETS / "v2", copy)
    state = sync_log(copy / "run-fixture2.cairn", load_settings(base_url=server.base_url))
    assert state.pending == 0
    api = cairn.Api(base_url=server.base_url)
    art = api.artifact("fixtures/runlog-v2/fixture-ds:golden")
    assert (art.version, art.type, art.description) == ("v0", "dataset", "a wire-2 fixture")
    assert art.metadata == {"rows": 2}
    assert sorted(e.path for e in art.manifest) == [
        "meta/readme.txt",
        "remote/big.bin",
        "train.csv",
    ]
    logger = art.logged_by()
    assert logger is not None
    assert logger.path == state.run_path
    root = art.get_path("train.csv").download(tmp_path / "out")
    assert root.read_bytes() == b"x,y\n1,2\n3,4\n"
    assert [a["title"] for a in api.run(state.run_path).alerts()] == ["loss plateau"]


def _header() -> LogHeader:
    return LogHeader(os.urandom(16), "e", "p", "r1", 1.0, None)


def test_a_torn_last_record_is_dropped_and_everything_before_it_kept(tmp_path: Path) -> None:
    log = tmp_path / "run.cairn"
    writer = LogWriter(log, _header())
    writer.append([b"\x92\xa9heartbeat\x81\xa4time\xcb?\xf0\x00\x00\x00\x00\x00\x00"] * 10)
    writer.close()
    intact = log.stat().st_size
    with log.open("ab") as handle:  # a crash in the middle of the 11th frame
        handle.write(b"\x20\x00\x00\x00\xde\xad\xbe\xef partial")
    assert count_records(log) == 10
    with log.open("r+b") as handle:  # a flipped byte in the last intact frame's payload
        handle.seek(intact - 2)
        handle.write(b"\xff")
    assert count_records(log) == 9


def test_wrong_magic_and_newer_versions_are_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "x.cairn"
    bogus.write_bytes(b"NOTALOG!" + b"\x00" * 20)
    with pytest.raises(InvalidInputError, match="not a Cairn run log"):
        LogReader(bogus)
    newer = tmp_path / "y.cairn"
    LogWriter(newer, _header()).close()
    data = bytearray(newer.read_bytes())
    data[8] = 99  # format version
    newer.write_bytes(bytes(data))
    with pytest.raises(WireVersionError, match="upgrade cairn-ml"):
        LogReader(newer)


class _FullDisk(LogWriter):
    """A log writer whose disk fills up after a few appends (ENOSPC cannot be provoked here)."""

    def __init__(self, path: Path, header: LogHeader, room: int) -> None:
        super().__init__(path, header)
        self.room = room

    def append(self, payloads: list[bytes]) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= 1
        return super().append(payloads)


def test_a_full_disk_keeps_training_alive_and_counts_what_was_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
    log_writer = _FullDisk(tmp_path / "run.cairn", _header(), room=2)
    writer = Writer(log_writer, items, threading.Event(), lambda changed: None, 0.01, 1.0)
    writer.start()
    for step in range(50):
        items.put(("config", {f"k{step}": step}))
    items.put(("finish", finish_record(2.0, 0)))
    writer.join(timeout=30)
    assert not writer.is_alive()
    assert writer.error is None
    assert writer.dropped_records >= 48
    assert writer.invalid_records == 0
    assert count_records(tmp_path / "run.cairn") == 2
    assert "records are being dropped" in caplog.text
