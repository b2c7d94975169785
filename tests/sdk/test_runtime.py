"""Runtime run control against a real server: setters, alerts, several runs in one process,
cairn.login(), preemption (SIGTERM, mark_preempting) and reading non-metric values."""

from __future__ import annotations

import datetime
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.errors import AuthenticationError, InvalidInputError, NotFoundError
from tests.serverproc import ServerProcess, start_server


def _settings(server: ServerProcess) -> dict[str, object]:
    return {"base_url": server.base_url, "capture_system": False}


def test_setters_reach_the_server(server: ServerProcess, workdir: Path) -> None:
    run = cairn.init(project="rt", name="first", tags=["a"], settings=_settings(server))
    assert (run.name, run.tags, run.notes, run.group) == ("first", ("a",), None, None)
    run.name = "renamed"
    run.tags = ["a", "b", "a"]
    run.notes = "tried a larger batch"
    run.group = "fold-1"
    run.log({"x": 1.0})
    assert (run.name, run.tags, run.group) == ("renamed", ("a", "b"), "fold-1")
    with pytest.raises(InvalidInputError, match=r"run\.name"):
        run.name = "  "
    with pytest.raises(InvalidInputError, match=r"run\.tags"):
        run.tags = "one-string"
    with pytest.raises(InvalidInputError, match=r"run\.notes"):
        run.notes = 3  # type: ignore[assignment]
    run.finish()
    stored = cairn.Api(base_url=server.base_url).run(run.path)
    assert (stored.name, stored.tags, stored.notes, stored.group) == (
        "renamed", ["a", "b"], "tried a larger batch", "fold-1",
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match="finished"):
        run.name = "too late"


def test_alerts_are_recorded_rate_limited_and_listed(server: ServerProcess, workdir: Path) -> None:
    with cairn.init(project="rt", settings=_settings(server)) as run:
        run.alert("loss is NaN", "at step 10", level="ERROR")
        run.alert("slow", "epoch took 2 h", cairn.AlertLevel.WARN, wait_duration=3600)
        run.alert("slow", "again", "WARN", wait_duration=datetime.timedelta(hours=1))  # dropped
        run.alert("started", "hello")
        with pytest.raises(InvalidInputError, match="level"):
            run.alert("t", "x", level="LOUD")
        with pytest.raises(InvalidInputError, match="wait_duration"):
            run.alert("t", "x", wait_duration=-1)
    alerts = cairn.Api(base_url=server.base_url).run(run.path).alerts()
    assert [(a["title"], a["text"], a["level"]) for a in alerts] == [
        ("loss is NaN", "at step 10", "ERROR"), ("slow", "epoch took 2 h", "WARN"),
        ("started", "hello", "INFO"),
    ]  # fmt: skip
    assert alerts[1]["wait_s"] == 3600
    assert alerts[2]["wait_s"] == 60  # W&B's default wait


def test_non_metric_values_are_readable_through_the_api(
    server: ServerProcess, workdir: Path
) -> None:
    with cairn.init(project="rt", settings=_settings(server)) as run:
        run.log({"phase": "warmup", "loss": 1.0})
        run.log({"phase": "train", "sample": {"text": "hi", "ok": [1, 2]}, "done": False})
        run.log({"phase": "eval"}, step=7)
    public = cairn.Api(base_url=server.base_url).run(run.path)
    keys = {k["key"]: (k["type"], k["count"]) for k in public.value_keys()}
    assert keys == {"phase": ("string", 3), "sample/text": ("string", 1),
                    "sample/ok": ("array", 1)}  # fmt: skip
    assert [(v["step"], v["value"]) for v in public.values("phase")] == [
        (0, "warmup"), (1, "train"), (7, "eval"),
    ]  # fmt: skip
    assert [v["value"] for v in public.values("phase", step_min=1, step_max=1)] == ["train"]
    assert "done" in list(public.keys())  # a bool is a number: a chartable series


def test_reinit_true_keeps_the_earlier_run_open(server: ServerProcess, workdir: Path) -> None:
    first = cairn.init(project="rt", name="one", settings=_settings(server))
    second = cairn.init(project="rt", name="two", reinit=True, settings=_settings(server))
    assert cairn.run is second
    assert not first.finished
    first.log({"a": 1.0})
    cairn.log({"b": 2.0})  # the module-level calls follow the most recent run
    assert cairn.init(reinit="return_previous") is second
    third = cairn.init(project="rt", name="three", reinit="create_new", settings=_settings(server))
    third.finish()
    assert cairn.run is None  # the most recent run finished: no fallback to an older one
    with pytest.raises(InvalidInputError, match="reinit"):
        cairn.init(project="rt", reinit="sometimes", settings=_settings(server))
    fourth = cairn.init(project="rt", name="four", settings=_settings(server))  # default
    assert first.finished
    assert second.finished
    fourth.finish()
    api = cairn.Api(base_url=server.base_url)
    assert api.run(first.path).keys() == ["a"]
    assert api.run(second.path).keys() == ["b"]
    assert {api.run(r.path).state for r in (first, second, third, fourth)} == {"finished"}


def test_login_checks_and_stores_the_key_and_never_prints_it(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    admin = {"CAIRN_SERVER_ADMIN_USERNAME": "root", "CAIRN_SERVER_ADMIN_PASSWORD": "long password!"}
    server = start_server(tmp_path / "auth", extra_args=["--auth", "required"], env=admin)
    monkeypatch.setenv("CAIRN_BASE_URL", "http://127.0.0.1:9")  # login(host=) replaces it
    try:
        client = httpx.Client(base_url=server.base_url)
        session = client.post(
            "/api/v1/auth/login", json={"username": "root", "password": "long password!"}
        )
        csrf = {"X-CSRF-Token": session.json()["csrf_token"]}
        key = client.post("/api/v1/api-keys", json={"name": "py"}, headers=csrf).json()["key"]
        with pytest.raises(AuthenticationError):
            cairn.login(key="cairn_" + "x" * 40, host=server.base_url)
        netrc = Path(os.environ["CAIRN_NETRC"])
        assert not netrc.exists()
        with pytest.raises(InvalidInputError, match="no API key"):
            cairn.login(host=server.base_url)  # nothing stored, no terminal to ask at
        assert cairn.login(key=key, host=server.base_url) is True
        assert stat.S_IMODE(netrc.stat().st_mode) == 0o600
        assert key in netrc.read_text()
        out = capsys.readouterr()
        assert "logged in to" in out.err
        assert key not in out.out + out.err
        assert cairn.login() is True  # a stored key is kept without asking
        assert os.environ["CAIRN_BASE_URL"] == server.base_url
        monkeypatch.delenv("CAIRN_ENTITY")
        with cairn.init(project="authed", settings={"capture_system": False}) as run:
            run.log({"a": 1.0})
        assert run.entity == "root"
        assert cairn.Api().run(run.path).state == "finished"
    finally:
        server.stop()


TRAIN = """
import signal, sys, time, cairn
if sys.argv[2] == "own-handler":
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
run = cairn.init(project="pre", id="preempt1",
                 settings={"base_url": sys.argv[1], "capture_system": False})
print(run.path, flush=True)
step = 0
while True:
    run.log({"z": float(step)})
    step += 1
    if step == 50:
        print("ready", flush=True)
    if sys.argv[2] == "own-handler" and stopping:
        run.log({"checkpoint": 1.0})  # the program's handler lets it wind down
        print(run.should_stop, flush=True)
        break
    time.sleep(0.005)
"""


def _train(workdir: Path, server: ServerProcess, how: str) -> tuple[subprocess.Popen[str], str]:
    (workdir / "train.py").write_text(TRAIN)
    proc = subprocess.Popen(
        [sys.executable, "train.py", server.base_url, how], cwd=workdir,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGTERM)
    return proc, path


def test_sigterm_ends_the_run_preempted_at_once_and_it_resumes(
    server: ServerProcess, workdir: Path
) -> None:
    proc, path = _train(workdir, server, "default")
    assert proc.wait(timeout=120) == -signal.SIGTERM  # the process still dies of the signal
    api = cairn.Api(base_url=server.base_url)
    killed = api.run(path)
    assert killed.state == "killed"
    assert killed._data["exit_code"] == 143
    assert killed._data["meta"]["stop_reason"] == "preempted"
    logged = killed._data["last_step"]
    assert logged >= 49
    settings = {**_settings(server), "capture_environment": False}
    with cairn.init(project="pre", id="preempt1", resume="must", settings=settings) as run:
        assert run.step == logged + 1
        run.log({"z": -1.0})
    resumed = api.run(path)
    assert resumed.state == "finished"
    assert "stop_reason" not in (resumed._data["meta"] or {})
    assert resumed._data["last_step"] == logged + 1


def test_sigterm_with_the_programs_own_handler_marks_and_chains(
    server: ServerProcess, workdir: Path
) -> None:
    proc, path = _train(workdir, server, "own-handler")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.strip() == "True"  # run.should_stop turned True with the mark
    stored = cairn.Api(base_url=server.base_url).run(path)
    assert stored.state == "killed"
    assert stored._data["meta"]["stop_reason"] == "preempted"
    assert stored._data["meta"]["preempting"] is True
    assert "checkpoint" in list(stored.keys())


def _meta(api: cairn.Api, path: str) -> dict[str, object]:
    try:
        return api.run(path)._data["meta"] or {}
    except NotFoundError:
        return {}  # not uploaded yet


def test_mark_preempting_reaches_the_server_before_the_end(
    server: ServerProcess, workdir: Path
) -> None:
    run = cairn.init(project="pre", settings=_settings(server))
    run.mark_preempting()
    assert run.should_stop
    assert run.stop_reason == "preempted"
    api = cairn.Api(base_url=server.base_url)
    while not _meta(api, run.path).get("preempting"):
        pass  # uploaded within the sender's pacing; the test's timeout bounds the wait
    run.finish()
    assert api.run(run.path).state == "killed"
