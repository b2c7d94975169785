"""The SDK against a real server: what init/log/finish record, offline + sync, outages."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.sdk.runlog.files import LogReader, count_records
from cairn.wire import decode_column_block, decode_record
from cairn.wire.records import HISTORY
from tests.serverproc import ServerProcess, free_port, start_server


def _get(server: ServerProcess, path: str, **params: object) -> dict:
    response = httpx.get(f"{server.base_url}/api/v1/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _keys(server: ServerProcess, run_path: str) -> dict[str, int]:
    return {k["key"]: k["count"] for k in _get(server, f"runs/{run_path}/keys")["keys"]}


def test_three_lines_record_config_history_and_summary(
    server: ServerProcess, workdir: Path
) -> None:
    run = cairn.init(project="demo", config={"lr": 0.01, "layers": [1, 2]},
                     settings={"base_url": server.base_url})  # fmt: skip
    run.define_metric("val/loss", summary="min")
    for step in range(300):
        run.log({"train/loss": 1 / (step + 1), "val": {"loss": abs(step - 100) + 0.5}})
    run.log({"note": "a string", "nan": math.nan, "inf": math.inf})
    run.config.update({"epochs": 3})
    run.summary["custom"] = "kept"
    run.finish()
    stored = _get(server, f"runs/{run.path}")
    assert stored["state"] == "finished"
    assert stored["exit_code"] == 0
    assert stored["name"] == run.name
    assert stored["config"] == {"lr": 0.01, "layers": [1, 2], "epochs": 3}
    assert stored["summary"]["val/loss"] == 0.5
    assert stored["summary"]["train/loss"] == pytest.approx(1 / 300)
    assert stored["summary"]["custom"] == "kept"
    assert stored["summary"]["nan"] == "NaN"
    assert stored["last_step"] == 300
    assert _keys(server, run.path) == {"train/loss": 300, "val/loss": 300, "nan": 1, "inf": 1}
    note = _get(server, f"runs/{run.path}/values", key="note")["values"]
    assert [(v["step"], v["value"]) for v in note] == [(300, "a string")]
    assert run.url.endswith(f"/tester/demo/runs/{run.id}")
    assert (run.dir / f"run-{run.id}.cairn").exists()


def test_steps_commit_and_out_of_order(server: ServerProcess, workdir: Path) -> None:
    with cairn.init(project="steps", settings={"base_url": server.base_url}) as run:
        run.log({"a": 1.0}, commit=False)
        run.log({"b": 2.0})  # same step 0
        run.log({"a": 3.0}, step=10)
        run.log({"b": 4.0}, step=10)
        run.log({"a": 5.0}, step=5)  # lower step: kept
        run.log({"a": 6.0})
    points = _get(server, f"runs/{run.path}/series/a/points")
    assert points["steps"] == [0, 5, 10, 11]
    assert points["values"] == [1.0, 5.0, 3.0, 6.0]
    assert _get(server, f"runs/{run.path}/series/b/points")["steps"] == [0, 10]


def test_bad_values_raise_type_errors_naming_the_key(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="bad", settings={"base_url": server.base_url})
    with pytest.raises(TypeError, match="'weird'"):
        run.log({"weird": object()})
    with pytest.raises(TypeError, match="dict"):
        run.log([1, 2])  # type: ignore[arg-type]
    run.config.update({"lr": 1})
    with pytest.raises(InvalidInputError, match="allow_val_change"):
        run.config.update({"lr": 2})
    run.log({"fine": 1.0})
    run.finish()
    with pytest.raises(InvalidInputError, match="finished"):
        run.log({"late": 1.0})
    assert _keys(server, run.path) == {"fine": 1}


def test_bad_run_fields_and_summary_keys_raise_at_the_call(
    server: ServerProcess, workdir: Path
) -> None:
    settings = {"base_url": server.base_url}
    with pytest.raises(InvalidInputError, match="tags"):
        cairn.init(project="bad", tags=["ok", ""], settings=settings)
    assert cairn.run is None  # nothing was started
    run = cairn.init(project="bad", settings=settings)
    with pytest.raises(InvalidInputError, match="unknown fields"):
        run.update_run(colour="red")
    with pytest.raises(InvalidInputError, match="summary key"):
        run.summary["bad\nkey"] = 1
    with pytest.raises(InvalidInputError, match="summary key"):
        run.summary.update({"": 1})
    assert "" not in run.summary
    run.summary["kept"] = 1
    run.finish()
    assert _get(server, f"runs/{run.path}")["summary"] == {"kept": 1}


def test_a_record_that_cannot_be_valid_is_not_written_and_the_run_goes_on(
    server: ServerProcess, workdir: Path
) -> None:
    run = cairn.init(project="bad", settings={"base_url": server.base_url})
    run.summary["blob"] = object()  # not packable: only the writer thread can tell
    run.summary["by_id"] = {0: "a"}  # the server reads string map keys only
    run.log({"after": 1.0})
    run.finish()
    assert run._writer.invalid_records == 2
    assert run._writer.error is None
    reader = LogReader(run.log_path)
    kinds = [decode_record(frame.payload)[0] for frame in reader.frames()]
    reader.close()
    assert HISTORY in kinds
    assert _keys(server, run.path) == {"after": 1}
    assert _get(server, f"runs/{run.path}")["state"] == "finished"


def test_offline_run_syncs_later_exactly_once(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="off", mode="offline", settings={"base_url": server.base_url})
    for step in range(1000):
        run.log({"x": float(step)})
    run.finish()
    assert httpx.get(f"{server.base_url}/api/v1/runs/{run.path}").status_code == 404
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "cairn.cli.main", "sync", str(run.dir), "--base-url",
             server.base_url], capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert _keys(server, run.path) == {"x": 1000}
    assert _get(server, f"runs/{run.path}")["state"] == "finished"
    listed = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", "--list", "--base-url", server.base_url],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "synced" in listed.stdout
    cleaned = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", "--clean", "--base-url", server.base_url],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cleaned.returncode == 0
    assert not run.dir.exists()


def test_server_down_for_the_whole_run(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = cairn.init(project="down", settings={"base_url": url, "finish_timeout_s": 2})
    for step in range(500):
        run.log({"y": float(step)})
    run.finish()
    assert f"cairn sync {run.dir}" in capsys.readouterr().err
    server = start_server(tmp_path / "late", port=port)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cairn.cli.main", "sync", str(run.dir), "--base-url", url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert _keys(server, run.path) == {"y": 500}
    finally:
        server.stop()


SCRIPT = """
import sys, cairn
run = cairn.init(project="proc", settings={"base_url": sys.argv[1]})
print(run.path, flush=True)
for step in range(int(sys.argv[2])):
    run.log({"z": float(step)})
if sys.argv[3] == "raise":
    raise RuntimeError("boom")
if sys.argv[3].startswith("exit"):
    sys.exit(int(sys.argv[3][4:]))
"""


def _script(workdir: Path, *args: str) -> subprocess.Popen[str]:
    (workdir / "train.py").write_text(SCRIPT)
    return subprocess.Popen(
        [sys.executable, "train.py", *args], cwd=workdir, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_exit_finishes_the_run_and_an_exception_fails_it(
    server: ServerProcess, workdir: Path
) -> None:
    ok = _script(workdir, server.base_url, "50", "ok")
    path_ok = ok.stdout.readline().strip()
    assert ok.wait(timeout=120) == 0
    failing = _script(workdir, server.base_url, "50", "raise")
    path_failed = failing.stdout.readline().strip()
    assert failing.wait(timeout=120) == 1
    assert _get(server, f"runs/{path_ok}")["state"] == "finished"
    failed = _get(server, f"runs/{path_failed}")
    assert failed["state"] == "failed"
    assert failed["exit_code"] == 1
    assert _keys(server, path_failed) == {"z": 50}


@pytest.mark.parametrize(
    ("how", "code", "state"), [("exit3", 3, "failed"), ("exit0", 0, "finished")]
)
def test_sys_exit_code_is_recorded(
    server: ServerProcess, workdir: Path, how: str, code: int, state: str
) -> None:
    proc = _script(workdir, server.base_url, "5", how)
    run_path = proc.stdout.readline().strip()
    assert proc.wait(timeout=120) == code
    stored = _get(server, f"runs/{run_path}")
    assert stored["exit_code"] == code
    assert stored["state"] == state


def test_kill_9_loses_nothing_that_reached_the_log(server: ServerProcess, workdir: Path) -> None:
    proc = _script(workdir, server.base_url, "200000", "ok")
    run_path = proc.stdout.readline().strip()
    logs: list[Path] = []
    while not logs:  # wait for the log to exist, then kill mid-run
        logs = list((workdir / "cairn").glob("run-*/*.cairn"))
    while count_records(logs[0]) < 5:
        pass
    proc.kill()
    proc.wait(timeout=30)
    result = subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", "sync", str(logs[0].parent), "--base-url",
         server.base_url], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reader = LogReader(logs[0])
    in_log = 0
    for frame in reader.frames():
        kind, body = decode_record(frame.payload)
        if kind == HISTORY:
            in_log += len(decode_column_block(body).columns["z"].values)
    reader.close()
    points = _get(server, f"runs/{run_path}/series/z/points", limit=100000)
    assert in_log > 0
    assert len(points["steps"]) == in_log
    assert points["steps"] == list(range(in_log))


def test_capture_records_git_environment_console_and_diff(
    server: ServerProcess, workdir: Path
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=workdir, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x")
    (workdir / "tracked.py").write_text("a = 1\n")
    git("add", "tracked.py")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "add")
    (workdir / "tracked.py").write_text("a = 2\n")
    script = (
        "import sys, cairn\n"
        "settings = {'base_url': sys.argv[1], 'system_interval_s': 0.2}\n"
        "run = cairn.init(project='cap', settings=settings)\n"
        "print('hello <b>console</b>', flush=True)\n"
        "import time; time.sleep(0.5)\n"
        "print(run.path)\n"
    )
    (workdir / "cap.py").write_text(script)
    out = subprocess.run([sys.executable, "cap.py", server.base_url], cwd=workdir,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    run_path = out.stdout.strip().splitlines()[-1]
    stored = _get(server, f"runs/{run_path}")
    assert stored["git"]["dirty"] is True
    assert len(stored["git"]["commit"]) == 40
    assert stored["meta"]["python_version"].startswith("3.")
    assert any(p.startswith("httpx==") for p in stored["meta"]["packages"])
    lines = [line["text"] for line in _get(server, f"runs/{run_path}/console")["lines"]]
    assert "hello <b>console</b>" in lines
    files = {f["path"] for f in _get(server, f"runs/{run_path}/files")["files"]}
    assert "diff.patch" in files
    diff = httpx.get(f"{server.base_url}/api/v1/runs/{run_path}/files/diff.patch").text
    assert "+a = 2" in diff
    assert any(k.startswith("system/") for k in _keys(server, run_path))


def test_a_forked_child_cannot_corrupt_the_parents_run(
    server: ServerProcess, workdir: Path
) -> None:
    import os

    run = cairn.init(project="fork", settings={"base_url": server.base_url})
    run.log({"parent": 1.0})
    pid = os.fork()
    if pid == 0:  # the child: logging is refused, finishing is a no-op, exit skips atexit
        code = 0
        try:
            run.log({"child": 1.0})
            code = 3
        except InvalidInputError:
            run.finish()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    run.log({"parent": 2.0})
    run.finish()
    assert _keys(server, run.path) == {"parent": 2}
    assert _get(server, f"runs/{run.path}")["state"] == "finished"


def test_save_and_log_code(server: ServerProcess, workdir: Path) -> None:
    (workdir / "model").mkdir()
    (workdir / "model" / "weights.bin").write_bytes(b"\x00\x01" * 1000)
    (workdir / "model" / "notes.txt").write_text("first")
    (workdir / "train.py").write_text("print('train')\n")
    (workdir / "lib").mkdir()
    (workdir / "lib" / "util.py").write_text("X = 1\n")
    run = cairn.init(project="files", settings={"base_url": server.base_url})
    assert sorted(run.save("model/*", policy="now")) == ["notes.txt", "weights.bin"]
    assert run.save("model/notes.txt", base_path=workdir, policy="live") == ["model/notes.txt"]
    assert sorted(run.log_code()) == ["code/lib/util.py", "code/train.py"]
    (workdir / "model" / "notes.txt").write_text("changed at the end")
    with pytest.raises(InvalidInputError, match="policy"):
        run.save("model/*", policy="sometimes")
    run.finish()
    files = {f["path"]: f["size"] for f in _get(server, f"runs/{run.path}/files")["files"]}
    assert files == {
        "notes.txt": 5, "weights.bin": 2000, "model/notes.txt": 18,
        "code/lib/util.py": 6, "code/train.py": 15,
    }  # fmt: skip
    got = httpx.get(f"{server.base_url}/api/v1/runs/{run.path}/files/model/notes.txt").text
    assert got == "changed at the end"


def test_numpy_scalars_are_numbers(server: ServerProcess, workdir: Path) -> None:
    import numpy as np

    with cairn.init(project="np", settings={"base_url": server.base_url}) as run:
        run.log({"f32": np.float32(1.5), "arr": np.array(2.0), "i64": np.int64(3)})
        with pytest.raises(TypeError, match="'vector'"):
            run.log({"vector": np.arange(3)})
    points = _get(server, f"runs/{run.path}/series/f32/points")
    assert points["values"] == [1.5]
    assert _keys(server, run.path) == {"f32": 1, "arr": 1, "i64": 1}


RANK = """
import sys, cairn
rank = int(sys.argv[2])
with cairn.init(project="ddp", group="exp-1", job_type=f"rank{rank}",
                settings={"base_url": sys.argv[1], "capture_system": False}) as run:
    for step in range(100):
        run.log({"loss": 1.0 / (step + 1 + rank)})
"""


def test_each_ddp_rank_makes_a_run_of_the_group(server: ServerProcess, workdir: Path) -> None:
    (workdir / "rank.py").write_text(RANK)
    ranks = [
        subprocess.Popen([sys.executable, "rank.py", server.base_url, str(rank)], cwd=workdir)
        for rank in range(2)
    ]
    assert [p.wait(timeout=120) for p in ranks] == [0, 0]
    runs = cairn.Api(base_url=server.base_url).runs("tester/ddp", filters={"group": "exp-1"})
    listed = sorted(runs, key=lambda r: r.job_type)
    assert [r.job_type for r in listed] == ["rank0", "rank1"]
    assert all(r.state == "finished" for r in listed)
