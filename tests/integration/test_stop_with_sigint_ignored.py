"""Stop reaches a run whose process inherited SIGINT ignored (``nohup python train.py &`` from
a script): the run ends killed, while a real Ctrl-C stays ignored as the shell asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(180)

SCRIPT = """
import sys, time, cairn
run = cairn.init(entity="ops", project="bg", id="bgrun01")
print("STARTED", flush=True)
for i in range(100_000):
    run.log({"x": i})
    time.sleep(0.05)
"""


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_a_stop_request_ends_a_run_that_ignores_sigint(
    server: ServerProcess, tmp_path: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "CAIRN_BASE_URL": server.base_url, "CAIRN_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "STARTED"
        proc.send_signal(signal.SIGINT)  # a real Ctrl-C: still ignored
        time.sleep(1)
        assert proc.poll() is None
        run_url = f"{server.base_url}/api/v1/runs/ops/bg/bgrun01"
        stop = httpx.post(f"{run_url}/stop", json={"reason": "user"}, timeout=30)
        assert stop.status_code == 202, stop.text
        assert proc.wait(timeout=120) != 0
    finally:
        proc.kill()
    run = httpx.get(run_url, timeout=30).json()
    assert run["state"] == "killed"
    assert run["meta"]["stop_reason"] == "user"
