"""One refused record never stops a run's upload (design 0015): through a proxy with a body
limit, large files go up in parts and a record too large for any request is set aside, noted on
the run and in ``cairn sync --list``, while everything logged after it arrives."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.sdk.runlog.aside import read_aside
from cairn.sdk.runlog.files import LogWriter
from cairn.sdk.runlog.format import LogHeader
from cairn.sdk.settings import load_settings
from cairn.sdk.sync import state_of, sync_log
from cairn.wire import encode_records
from cairn.wire.records import FINISH, RUN
from tests.bodylimit import body_limit_proxy
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record

MIB = 1024 * 1024
LIMIT = MIB + MIB // 2
"""The proxy's body limit: above the server's 1 MiB part size, below the SDK's batches."""


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "server", db_url=db_url, extra_args=["--upload-part-mb", "1"])
    try:
        yield proc
    finally:
        proc.stop()


def _get(server: ServerProcess, path: str) -> Any:
    response = httpx.get(f"{server.base_url}/api/v1/{path}", timeout=30)
    response.raise_for_status()
    return response.json()


def _steps(server: ServerProcess, run_path: str, key: str) -> list[int]:
    page = _get(server, f"runs/{run_path}/series/{key}/points?limit=1000")
    return [int(step) for step in page["steps"]]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", *args],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_a_proxy_limit_sets_aside_only_the_record_that_cannot_fit(
    server: ServerProcess, workdir: Path
) -> None:
    big_file = os.urandom(3 * MIB + 7)  # three parts, each under the proxy's limit
    (workdir / "ckpt.pt").write_bytes(big_file)
    # A config value that no request under the limit can carry (random: zstd cannot shrink it).
    huge = base64.b64encode(os.urandom(2 * MIB)).decode()
    with body_limit_proxy(server.base_url, LIMIT) as (url, refused):
        run = cairn.init(project="aside", settings={"base_url": url})
        for step in range(100):
            run.log({"before": float(step)})
        run.config.update({"huge": huge})
        run.save("ckpt.pt", policy="now")
        for step in range(100):
            run.log({"after": float(step)})
        run.finish()
    assert run.path is not None
    # Everything but the huge record arrived; the large file went up in parts, whole.
    assert _steps(server, run.path, "before") == list(range(100))
    assert _steps(server, run.path, "after") == list(range(100, 200))
    got = httpx.get(f"{server.base_url}/api/v1/runs/{run.path}/files/ckpt.pt", timeout=60)
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(big_file).digest()
    detail = _get(server, f"runs/{run.path}")
    assert detail["state"] == "finished"
    assert "huge" not in (detail["config"] or {})
    assert all(path.startswith("/api/v1/ingest") for _, path, _ in refused)
    # The record is listed beside the log and noted on the run.
    aside = list(read_aside(run.log_path).values())
    assert [(e.kind, "413" in e.reason) for e in aside] == [("run", True)]
    issues = detail["meta"]["sync_issues"]
    assert [(i["kind"], i["what"]) for i in issues.values()] == [("run", aside[0].what)]
    listed = _cli("--list", str(run.dir))
    assert listed.returncode == 0, listed.stderr
    assert "1 set aside" in listed.stdout
    assert f"offset {aside[0].offset} run" in listed.stdout


def test_a_file_refused_by_the_proxy_is_retried_once_the_limit_is_raised(
    server: ServerProcess, workdir: Path
) -> None:
    data = os.urandom(2 * MIB)
    (workdir / "weights.bin").write_bytes(data)
    (workdir / "small.txt").write_text("fits")
    with body_limit_proxy(server.base_url, MIB // 2) as (url, refused):
        run = cairn.init(project="aside", settings={"base_url": url, "batch_max_bytes": 64_000})
        run.save("*.bin", policy="now")
        run.save("small.txt", policy="now")
        run.log({"loss": 1.0})
        run.finish()
    assert run.path is not None
    assert any(path.startswith("/api/v1/uploads/") for _, path, _ in refused)
    files = {f["path"] for f in _get(server, f"runs/{run.path}/files")["files"]}
    assert files == {"small.txt"}
    assert _steps(server, run.path, "loss") == [0]
    (entry,) = read_aside(run.log_path).values()
    assert (entry.kind, entry.what) == ("file", "weights.bin")
    assert "part size" in entry.reason
    assert _get(server, f"runs/{run.path}")["meta"]["sync_issues"]
    # A plain sync leaves it alone; --retry-aside (the limit raised) sends it, clears the note.
    with body_limit_proxy(server.base_url, LIMIT) as (url, _):
        plain = _cli(str(run.dir), "--base-url", url)
        assert plain.returncode == 0, plain.stderr
        assert "1 record(s) set aside" in plain.stderr
        assert read_aside(run.log_path)
        for _ in range(2):  # a second retry finds nothing left to do
            retried = _cli("--retry-aside", str(run.dir), "--base-url", url)
            assert retried.returncode == 0, retried.stderr
    assert not read_aside(run.log_path)
    files = {f["path"] for f in _get(server, f"runs/{run.path}/files")["files"]}
    assert files == {"small.txt", "weights.bin"}
    assert "sync_issues" not in _get(server, f"runs/{run.path}")["meta"]


def test_a_file_gone_from_disk_is_set_aside_and_the_rest_syncs(
    server: ServerProcess, workdir: Path
) -> None:
    (workdir / "a.txt").write_text("kept")
    (workdir / "b.txt").write_text("removed before the sync")
    run = cairn.init(project="aside", mode="offline", settings={"base_url": server.base_url})
    run.save("*.txt", policy="now")
    run.log({"x": 1.0})
    run.finish()
    (run.dir / "files" / "b.txt").unlink()
    state = sync_log(run.log_path, load_settings(base_url=server.base_url))
    assert state.pending == 0
    assert [(e.what, "gone from disk" in e.reason) for e in state.aside] == [("b.txt", True)]
    assert run.path is not None
    files = {f["path"] for f in _get(server, f"runs/{run.path}/files")["files"]}
    assert files == {"a.txt"}
    assert _steps(server, run.path, "x") == [0]


def _log(path: Path, project: str, records: list[Any]) -> Path:
    header = LogHeader(os.urandom(16), "tester", project, "aside001", 1.0, None)
    writer = LogWriter(path, header)
    writer.append(encode_records(records))
    writer.close()
    return path


def test_a_record_the_server_cannot_read_is_set_aside(
    server: ServerProcess, tmp_path: Path
) -> None:
    # A map key that is not a string makes the server refuse the whole batch (400).
    unreadable = ["summary", {"set": {1: 2.0}, "remove": []}]
    records: list[Any] = [[RUN, {"name": "bisected"}]]
    records += [history_record([(s, 1.0, {"m": float(s)})]) for s in range(40)]
    records += [unreadable]
    records += [history_record([(s, 1.0, {"m": float(s)})]) for s in range(40, 80)]
    records += [[FINISH, {"time": 2.0, "exit_code": 0}]]
    log = _log(tmp_path / "run" / "run-aside001.cairn", "aside", records)
    state = sync_log(log, load_settings(base_url=server.base_url))
    assert state.pending == 0
    assert [(e.offset, "400" in e.reason) for e in state.aside] == [(41, True)]
    assert _steps(server, "tester/aside/aside001", "m") == list(range(80))
    detail = _get(server, "runs/tester/aside/aside001")
    assert (detail["name"], detail["state"]) == ("bisected", "finished")
    assert len(detail["meta"]["sync_issues"]) == 1


def test_a_run_the_server_refuses_as_a_whole_is_not_set_aside(
    server: ServerProcess, tmp_path: Path
) -> None:
    records = [[RUN, {"name": "x"}], history_record([(0, 1.0, {"m": 0.0})])]
    log = _log(tmp_path / "run" / "run-aside001.cairn", "not a project name", records)
    with pytest.raises(InvalidInputError, match="refused"):
        sync_log(log, load_settings(base_url=server.base_url))
    assert state_of(log).aside == ()
