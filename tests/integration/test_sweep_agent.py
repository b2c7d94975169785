"""``cairn sweep`` and ``cairn agent`` end to end: a real server (SQLite and PostgreSQL), real
agents in their own processes running real trial programs through the SDK.

These need the server side of design 0012 (the sweep routes, stop requests on ingest answers,
PATCH of a run's state); they are skipped where it is not there yet.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.serverproc import ServerProcess

pytest.importorskip("cairn.server.api.sweeps", reason="the sweep routes are not merged yet")

PROGRAM = """
import sys, time, cairn
run = cairn.init(config={"lr": 99.0, "fixed": 1})
x = run.config["x"]
print(f"TRIAL {run.path} x={x}", flush=True)
if x == 1 and "--forever" in sys.argv:
    while not run.should_stop:  # with stop_interrupts on, the stop request raises first
        run.log({"loss": 1.0})
        time.sleep(0.02)  # pacing only: the test waits for the run's state, not for time
else:
    for step in range(3):
        run.log({"loss": x / (step + 1)})
"""

# Good trials (x <= 4) end after 15 epochs; bad ones would run for 150 s unless hyperband stops
# them. The good trials log the same values at every bracket (3, 6, 12), so a tie never stops one
# (a run must be strictly worse than the threshold) and, four against two, they fill the best half
# of every bracket: both bad trials fall below the threshold whatever order the agents ran them in
# and however late a stopped trial ends. Their last value ranks them (x = 1 best). Hyperband judges
# a running trial at the last bracket it reached (as W&B does), so the bad trials log slowly: the
# server sees them long before their 24th value, a bracket no good trial reaches.
EARLY = """
import time, cairn
run = cairn.init()
x = run.config["x"]
print(f"TRIAL {run.path} x={x}", flush=True)
good = x <= 4
for epoch in range(15 if good else 1500):
    rank = x / 1000 if epoch == 14 else 0.0
    run.log({"val_loss": (rank if good else x) + 1.0 / (epoch + 1)})
    time.sleep(0.02 if good else 0.1)  # pacing only: the test waits for the agents, not for time
"""

EARLY_SWEEP = """\
program: early.py
method: grid
metric:
  name: val_loss
  goal: minimize
parameters:
  x:
    values: [1, 2, 3, 4, 10, 11]
early_terminate:
  type: hyperband
  min_iter: 3
  eta: 2
"""

FAILING = """
import sys, cairn
if "--x=2" in sys.argv:
    sys.exit(3)  # dies before reporting anything
run = cairn.init()
run.log({"loss": 1.0})
"""


def _config(program: str, values: list[int], extra: str = "") -> str:
    return (
        f"program: {program}\nmethod: grid\nmetric:\n  name: loss\n  goal: minimize\n"
        f"parameters:\n  x:\n    values: {values}\n  lr:\n    value: 0.5\n{extra}"
    )


@pytest.fixture
def env(server: ServerProcess, workdir: Path) -> dict[str, str]:
    """What agents and the CLI run with: this server, entity ``tester``."""
    (workdir / "train.py").write_text(PROGRAM)
    (workdir / "failing.py").write_text(FAILING)
    (workdir / "early.py").write_text(EARLY)
    return {**os.environ, "CAIRN_BASE_URL": server.base_url, "CAIRN_ENTITY": "tester"}


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", *args], cwd=cwd, env=env, text=True,
        capture_output=True, timeout=300,
    )  # fmt: skip


def _agent(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cairn.cli.main", "agent", *args], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _create(env: dict[str, str], cwd: Path, config: str, *args: str) -> str:
    (cwd / "sweep.yaml").write_text(config)
    done = _cli(env, cwd, "sweep", "sweep.yaml", "--project", "sw", *args)
    assert done.returncode == 0, done.stderr
    match = re.search(r"cairn agent (tester/sw/[0-9a-z]{8})\b", done.stdout)
    assert match, done.stdout
    return match.group(1)


def _get(server: ServerProcess, path: str) -> Any:
    response = httpx.get(f"{server.base_url}/api/v1/{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _trial_runs(stderr: str) -> list[str]:
    return re.findall(r"trial \d+: run (\S+) with", stderr)


def _lines(stream: IO[str] | None) -> Iterator[str]:
    assert stream is not None
    yield from iter(stream.readline, "")


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_two_agents_run_a_w_and_b_grid_once_each_point(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    path = _create(env, workdir, _config("train.py", [1, 2, 3, 4]))
    agents = [_agent(env, workdir, path) for _ in range(2)]
    results = [_finish(a) for a in agents]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    run_ids = [r for _, _, err in results for r in _trial_runs(err)]
    assert len(run_ids) == len(set(run_ids)) == 4
    runs = [_get(server, f"runs/tester/sw/{r}") for r in run_ids]
    assert sorted(r["config"]["x"] for r in runs) == [1, 2, 3, 4]
    for run in runs:  # the sweep's parameters win over init(config=...)
        assert run["config"]["lr"] == 0.5
        assert run["config"]["fixed"] == 1
        assert run["state"] == "finished"
        assert run["sweep"] == path.split("/")[-1]
    sweep = _get(server, f"sweeps/{path}")
    assert sweep["counts"]["finished"] == 4
    assert sweep["state"] == "finished"
    code, _, err = _finish(_agent(env, workdir, path))
    assert code == 0
    assert "no more trials" in err


def test_two_agents_and_hyperband_stop_the_bad_trials_early(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    path = _create(env, workdir, EARLY_SWEEP)
    agents = [_agent(env, workdir, path) for _ in range(2)]
    results = [_finish(a) for a in agents]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    runs = {
        run["config"]["x"]: run
        for run in (
            _get(server, f"runs/tester/sw/{r}") for _, _, err in results for r in _trial_runs(err)
        )
    }
    assert sorted(runs) == [1, 2, 3, 4, 10, 11]
    assert [runs[x]["state"] for x in (1, 2, 3, 4)] == ["finished"] * 4
    for x in (10, 11):
        assert runs[x]["state"] == "killed", runs[x]
        assert runs[x]["meta"]["stop_reason"] == "early_terminate"
        assert runs[x]["last_step"] < 1499
    sweep = _get(server, f"sweeps/{path}")
    assert sweep["counts"] == {**sweep["counts"], "finished": 4, "killed": 2, "running": 0}
    assert sweep["best"]["run_id"] == runs[1]["id"]


def test_count_limits_the_trials_and_a_trial_that_dies_unreported_is_failed(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    path = _create(env, workdir, _config("failing.py", [1, 2, 3]))
    code, _, err = _finish(_agent(env, workdir, path, "--count", "1"))
    assert code == 0, err
    assert len(_trial_runs(err)) == 1
    code, _, err = _finish(_agent(env, workdir, path))
    assert code == 0, err
    runs = [_get(server, f"runs/tester/sw/{r}") for r in _trial_runs(err)]
    assert len(runs) == 2
    by_x = {r["config"]["x"]: r for r in runs}
    if 2 in by_x:
        assert (by_x[2]["state"], by_x[2]["exit_code"]) == ("failed", 3)
    states = sorted(r["state"] for r in _all_trials(server, path))
    assert states == ["failed", "finished", "finished"]


def _all_trials(server: ServerProcess, path: str) -> list[dict[str, Any]]:
    sweep_id = path.split("/")[-1]
    response = httpx.post(
        f"{server.base_url}/api/v1/projects/tester/sw/runs/query",
        json={"filters": {"sweep": sweep_id}, "limit": 100},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    runs: list[dict[str, Any]] = response.json()["runs"]
    return runs


def test_ctrl_c_ends_the_trial_killed_and_the_agent_asks_for_no_more(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    path = _create(env, workdir, _config("train.py", [1, 2], 'command: ["${env}", '
                   '"${interpreter}", "${program}", "${args}", "--forever"]\n'))  # fmt: skip
    agent = _agent(env, workdir, path)
    line = next(line for line in _lines(agent.stdout) if line.startswith("TRIAL"))
    run_path = line.split()[1]
    agent.send_signal(signal.SIGINT)
    code, _, err = _finish(agent)
    assert code == 130, err
    run = _get(server, f"runs/{run_path}")
    assert (run["state"], run["exit_code"]) == ("killed", 130)
    assert len(_trial_runs(err)) == 1
    assert _get(server, f"sweeps/{path}")["counts"]["running"] == 0


@pytest.mark.parametrize("interrupts", ["true", "false"])
def test_a_stop_request_ends_the_trial_killed_and_the_agent_goes_on(
    server: ServerProcess, workdir: Path, env: dict[str, str], interrupts: str
) -> None:
    path = _create(env, workdir, _config("train.py", [1, 2], 'command: ["${env}", '
                   '"${interpreter}", "${program}", "${args}", "--forever"]\n'))  # fmt: skip
    agent = _agent({**env, "CAIRN_STOP_INTERRUPTS": interrupts}, workdir, path)
    line = next(line for line in _lines(agent.stdout) if line.startswith("TRIAL") and "x=1" in line)
    run_path = line.split()[1]
    stop = httpx.post(f"{server.base_url}/api/v1/runs/{run_path}/stop", json={"reason": "user"})
    assert stop.status_code == 202, stop.text
    code, _, err = _finish(agent)
    assert code == 0, err
    stopped = _get(server, f"runs/{run_path}")
    assert stopped["state"] == "killed"
    assert stopped["meta"]["stop_reason"] == "user"
    assert sorted(r["state"] for r in _all_trials(server, path)) == ["finished", "killed"]


def test_a_paused_sweep_keeps_the_agent_waiting_until_resumed(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    path = _create(env, workdir, _config("train.py", [1]))
    paused = _cli(env, workdir, "sweep", "pause", path)
    assert paused.returncode == 0, paused.stderr
    assert "paused" in paused.stdout
    agent = _agent(env, workdir, path, "--poll-interval", "0.2")
    assert any("paused" in line for line in _lines(agent.stderr))
    resumed = _cli(env, workdir, "sweep", "--resume", path)  # W&B's spelling
    assert resumed.returncode == 0, resumed.stderr
    code, _, err = _finish(agent)
    assert code == 0, err
    assert _get(server, f"sweeps/{path}")["counts"]["finished"] == 1


def test_cairn_agent_runs_a_function_in_process(
    server: ServerProcess, workdir: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cairn

    path = _create(env, workdir, _config("train.py", [1, 2, 3]))
    monkeypatch.setenv("CAIRN_BASE_URL", server.base_url)
    seen: list[tuple[str, float]] = []

    def train() -> None:
        run = cairn.init(config={"lr": 1.0})
        seen.append((run.id, run.config["lr"]))
        run.log({"loss": float(run.config["x"])})

    entity, project, sweep_id = path.split("/")
    cairn.agent(sweep_id, function=train, entity=entity, project=project, count=2)
    assert len(seen) == 2
    for run_id, lr in seen:
        assert lr == 0.5
        run = _get(server, f"runs/{path.rsplit('/', 1)[0]}/{run_id}")
        assert run["state"] == "finished"
        assert run["summary"]["loss"] == run["config"]["x"]


def test_bad_input_gets_clear_messages_and_no_traceback(
    server: ServerProcess, workdir: Path, env: dict[str, str]
) -> None:
    (workdir / "bad.yaml").write_text(
        "method: grid\nparameters:\n  lr:\n    distribution: nope\n    min: 1\n    max: 0\n"
    )
    bad = _cli(env, workdir, "sweep", "bad.yaml", "--project", "sw")
    assert bad.returncode == 1
    assert "parameters.lr.distribution" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = _cli(env, workdir, "agent", "tester/sw/zzzzzzzz")
    assert missing.returncode == 1
    assert missing.stderr.startswith("cairn: error:")
    assert "Traceback" not in missing.stderr
    path = _create(env, workdir, _config("train.py", [1]))
    cancelled = _cli(env, workdir, "sweep", "cancel", path)
    assert cancelled.returncode == 0, cancelled.stderr
    code, _, err = _finish(_agent(env, workdir, path))
    assert code == 0
    assert "the sweep is cancelled" in err
    assert _trial_runs(err) == []
