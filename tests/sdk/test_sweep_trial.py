"""A trial's process against a real server: the run and parameters the agent passes, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.serverproc import ServerProcess

SCRIPT = """
import sys, cairn
run = cairn.init(project="sw", config={"lr": 1.0, "seed": 7})
print(run.path, flush=True)
step = 0
while sys.argv[1] == "forever" or step < 3:
    run.log({"loss": 1.0 / (step + 1)})
    step += 1
"""


def _start(workdir: Path, base_url: str, how: str, env: dict[str, str]) -> subprocess.Popen[str]:
    (workdir / "trial.py").write_text(SCRIPT)
    return subprocess.Popen(
        [sys.executable, "trial.py", how], cwd=workdir, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "CAIRN_BASE_URL": base_url, **env},
    )  # fmt: skip


def _run(server: ServerProcess, path: str) -> dict:
    response = httpx.get(f"{server.base_url}/api/v1/runs/{path}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_trial_takes_the_agents_run_id_and_parameters(
    server: ServerProcess, workdir: Path
) -> None:
    (workdir / "config-defaults.yaml").write_text("lr: 5\nbatch: 16\n")
    proc = _start(workdir, server.base_url, "three", {
        "CAIRN_RUN_ID": "trial42", "CAIRN_SWEEP_ID": "abc12345",
        "CAIRN_SWEEP_PARAMS": json.dumps({"lr": 0.01, "opt": {"name": "adam"}}),
    })  # fmt: skip
    path = proc.stdout.readline().strip() if proc.stdout else ""
    assert proc.wait(timeout=120) == 0
    assert path == "tester/sw/trial42"
    run = _run(server, path)
    assert run["config"] == {"lr": 0.01, "batch": 16, "seed": 7, "opt": {"name": "adam"}}
    assert run["state"] == "finished"


def test_ctrl_c_ends_the_run_killed(server: ServerProcess, workdir: Path) -> None:
    proc = _start(workdir, server.base_url, "forever", {})
    path = proc.stdout.readline().strip() if proc.stdout else ""
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) != 0
    run = _run(server, path)
    assert run["state"] == "killed"
    assert run["exit_code"] == 130
    assert "stop_reason" not in (run["meta"] or {})
