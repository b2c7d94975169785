"""Resuming runs (design 0014) against a real server on SQLite and PostgreSQL: the four modes,
online and offline (then ``cairn sync``), steps and summaries continuing over the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.sdk.resume import AUTO_FILE
from tests.serverproc import ServerProcess

PROJECT = "resume"


def _settings(server: ServerProcess, **more: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "capture_system": False, "capture_console": False,
            **more}  # fmt: skip


def _steps(server: ServerProcess, path: str, key: str) -> list[int]:
    run = cairn.Api(base_url=server.base_url).run(path)
    return [row["_step"] for row in run.scan_history(keys=[key])]


def _values(server: ServerProcess, path: str, key: str) -> list[float]:
    run = cairn.Api(base_url=server.base_url).run(path)
    return [row[key] for row in run.scan_history(keys=[key])]


def _sync(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CAIRN_BASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def _define(run: cairn.Run) -> None:
    run.define_metric("loss", summary="min")
    run.define_metric("acc", summary="mean")
    run.define_metric("lr", summary="first")


def _log(run: cairn.Run, losses: list[float], accs: list[float]) -> None:
    for loss, acc in zip(losses, accs, strict=True):
        run.log({"loss": loss, "acc": acc, "lr": float(run.step)})


def test_online_resume_continues_steps_and_summaries(server: ServerProcess, workdir: Path) -> None:
    first = cairn.init(project=PROJECT, id="online1", settings=_settings(server))
    _define(first)
    _log(first, [5.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    first.finish()

    again = cairn.init(project=PROJECT, id="online1", resume="must", settings=_settings(server))
    assert again.step == 3
    assert again.name == first.name
    assert again.summary["loss"] == 3.0  # the run's summary so far, before anything is logged
    assert "_cairn" not in again.summary
    _define(again)
    _log(again, [6.0, 4.5], [4.0, 5.0])
    again.finish()

    run = cairn.Api(base_url=server.base_url).run(again.path)
    assert run.state == "finished"
    assert _steps(server, again.path, "loss") == [0, 1, 2, 3, 4]
    assert run.summary["loss"] == 3.0  # the min of the whole run, not of the part after resume
    assert run.summary["acc"] == pytest.approx(3.0)  # (1+2+3+4+5)/5
    assert run.summary["lr"] == 0.0
    assert run.summary["_cairn"] == {"mean_counts": {"acc": 5}}


def test_must_never_and_allow_online(server: ServerProcess, workdir: Path) -> None:
    settings = _settings(server)
    with pytest.raises(InvalidInputError, match="does not exist"):
        cairn.init(project=PROJECT, id="missing", resume="must", settings=settings)
    with pytest.raises(InvalidInputError, match="needs the id"):
        cairn.init(project=PROJECT, resume="must", settings=settings)
    fresh = cairn.init(project=PROJECT, id="allowed", resume="allow", settings=settings)
    assert fresh.step == 0
    fresh.log({"x": 1.0})
    fresh.finish()
    with pytest.raises(InvalidInputError, match="resume='never'"):
        cairn.init(project=PROJECT, id="allowed", resume="never", settings=settings)
    again = cairn.init(project=PROJECT, id="allowed", resume="allow", settings=settings)
    assert again.step == 1
    again.finish()
    unnamed = cairn.init(project=PROJECT, resume="never", settings=settings)  # nothing to refuse
    assert unnamed.id != "allowed"
    unnamed.finish()


def test_auto_continues_the_last_run_here_that_did_not_finish(
    server: ServerProcess, workdir: Path
) -> None:
    settings = _settings(server)
    crashed = cairn.init(project=PROJECT, resume="auto", settings=settings)
    crashed.log({"x": 1.0})
    crashed.finish(exit_code=1)  # failed: the next auto start continues it
    assert (workdir / "cairn" / AUTO_FILE).is_file()

    again = cairn.init(project=PROJECT, resume="auto", settings=settings)
    assert again.id == crashed.id
    assert again.step == 1
    again.log({"x": 2.0})
    again.finish()  # ended cleanly: nothing left to continue
    assert not (workdir / "cairn" / AUTO_FILE).exists()
    assert _steps(server, again.path, "x") == [0, 1]

    fresh = cairn.init(project=PROJECT, resume="auto", settings=settings)
    assert fresh.id != crashed.id
    assert fresh.step == 0
    fresh.finish()


def test_auto_offline_continues_a_crashed_process_and_syncs_as_one_run(
    server: ServerProcess, workdir: Path
) -> None:
    script = textwrap.dedent(f"""
        import os, cairn
        run = cairn.init(project={PROJECT!r}, mode="offline", resume="auto",
                         settings={{"base_url": {server.base_url!r}, "capture_system": False}})
        run.define_metric("loss", summary="min")
        start = run.step
        for i, loss in enumerate([4.0, 2.0, 3.0] if start == 0 else [5.0, 2.5]):
            run.log({{"loss": loss}})
        print(run.id, start)
        if start == 0:
            run.flush()
            os._exit(9)  # killed mid-training: no finish record
        run.finish()
    """)
    outputs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, cwd=workdir)  # fmt: skip
        assert done.returncode in (0, 9), done.stderr
        outputs.append(done.stdout.split())
    (run_id, start0), (same_id, start1) = outputs
    assert same_id == run_id
    assert (start0, start1) == ("0", "3")

    _sync("--all", cwd=workdir)  # the server URL comes from each run log's header
    path = f"tester/{PROJECT}/{run_id}"
    assert _steps(server, path, "loss") == [0, 1, 2, 3, 4]
    run = cairn.Api(base_url=server.base_url).run(path)
    assert run.summary["loss"] == 2.0
    assert run.state == "finished"


def test_offline_resume_after_a_local_offline_log(server: ServerProcess, workdir: Path) -> None:
    settings = _settings(server)
    first = cairn.init(project=PROJECT, id="offline1", mode="offline", settings=settings)
    _define(first)
    _log(first, [5.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    first.finish()
    with pytest.raises(InvalidInputError, match="resume='never'"):
        cairn.init(project=PROJECT, id="offline1", mode="offline", resume="never",
                   settings=settings)  # fmt: skip

    again = cairn.init(project=PROJECT, id="offline1", mode="offline", resume="must",
                       settings=settings)  # fmt: skip
    assert again.step == 3  # from the local log: the server has nothing yet
    assert again.name == first.name
    _define(again)
    _log(again, [6.0, 4.5], [4.0, 5.0])
    again.finish()

    _sync(str(first.dir), str(again.dir))
    run = cairn.Api(base_url=server.base_url).run(again.path)
    assert _steps(server, again.path, "loss") == [0, 1, 2, 3, 4]
    assert run.name == first.name
    assert run.summary["loss"] == 3.0
    assert run.summary["acc"] == pytest.approx(3.0)
    assert run.summary["lr"] == 0.0
    assert run.state == "finished"


def test_offline_resume_without_a_local_log_is_placed_at_sync(
    server: ServerProcess, workdir: Path, tmp_path: Path
) -> None:
    online = cairn.init(project=PROJECT, id="placed1", settings=_settings(server))
    for step in range(5):
        online.log({"x": float(step)})
    online.finish()

    elsewhere = tmp_path / "elsewhere"  # another machine: no local log of the run
    resumed = cairn.init(project=PROJECT, id="placed1", mode="offline", resume="must",
                         settings=_settings(server, dir=elsewhere))  # fmt: skip
    assert resumed.step == 0  # relative: the server places it after its last step
    for value in (10.0, 11.0, 12.0):
        resumed.log({"x": value})
    resumed.log({"x": 13.0}, step=3)  # explicit steps are relative too
    resumed.finish()

    for _ in range(2):  # a second sync sends nothing twice and shifts nothing twice
        _sync(str(resumed.dir))
    assert _steps(server, resumed.path, "x") == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert _values(server, resumed.path, "x") == [0, 1, 2, 3, 4, 10, 11, 12, 13]
    run = cairn.Api(base_url=server.base_url).run(resumed.path)
    assert run.name == online.name
    assert run.state == "finished"

    # A second offline resume there continues from the first: placed after it at sync.
    later = cairn.init(project=PROJECT, id="placed1", mode="offline", resume="allow",
                       settings=_settings(server, dir=elsewhere))  # fmt: skip
    later.log({"x": 20.0})
    later.finish()
    _sync(str(later.dir))
    assert _steps(server, resumed.path, "x")[-2:] == [8, 9]


def test_environment_variables_name_and_resume_the_run(
    server: ServerProcess,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CAIRN_BASE_URL", server.base_url)
    monkeypatch.setenv("CAIRN_PROJECT", "fromenv")
    monkeypatch.setenv("CAIRN_ENTITY", "someone")
    monkeypatch.setenv("CAIRN_RUN_ID", "envrun1")
    monkeypatch.setenv("CAIRN_RUN_NAME", "named-by-env")
    monkeypatch.setenv("CAIRN_RUN_GROUP", "grouped")
    monkeypatch.setenv("CAIRN_TAGS", "a, b,,c")
    monkeypatch.setenv("CAIRN_SILENT", "true")
    run = cairn.init(settings={"capture_system": False})
    run.log({"x": 1.0})
    run.finish()
    assert capsys.readouterr().err == ""  # silent: no link, no progress
    stored = cairn.Api(base_url=server.base_url).run("someone/fromenv/envrun1")
    assert (stored.name, stored.group, stored.tags) == ("named-by-env", "grouped", ["a", "b", "c"])

    monkeypatch.setenv("CAIRN_RESUME", "must")
    monkeypatch.delenv("CAIRN_RUN_NAME")
    again = cairn.init(settings={"capture_system": False})
    assert (again.path, again.step, again.name) == ("someone/fromenv/envrun1", 1, "named-by-env")
    again.finish()
    monkeypatch.setenv("CAIRN_RESUME", "sometimes")
    with pytest.raises(InvalidInputError, match="CAIRN_RESUME must be one of"):
        cairn.init()


def test_finish_prints_a_sync_command_with_the_server_url(
    server: ServerProcess, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = cairn.init(project=PROJECT, mode="offline", settings=_settings(server))
    run.log({"x": 1.0})
    run.finish()
    assert f"cairn sync {run.dir} --base-url {server.base_url}" in capsys.readouterr().err
