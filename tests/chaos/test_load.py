"""Many writers against a server that sheds load, killed and restarted mid-load: 0 lost, 0 twice.

A bounded copy of bench/bench_load.py: 8 paced writers (real SDK processes) against a server that
admits two batches at a time, so refusals (429 with Retry-After) happen; the server is killed
with SIGKILL halfway and started again on the same port and data. Every writer's finish() must
return with everything uploaded, and each series must hold exactly the steps that were logged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.chaos.test_chaos import _steps
from tests.serverproc import free_port, start_server

WRITER = r"""
import json, sys, time, cairn
url, seconds = sys.argv[1], float(sys.argv[2])
run = cairn.init(project="load", settings={"base_url": url, "finish_timeout_s": 120,
                                           "capture_console": False, "capture_system": False,
                                           "show_progress": False})
start, step = time.perf_counter(), 0
while time.perf_counter() - start < seconds:
    pause = start + step / 200 - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    run.log({f"k{i}": step + i for i in range(5)})
    step += 1
t0 = time.perf_counter()
run.finish()
print(json.dumps({"path": run.path, "steps": step, "finish_s": time.perf_counter() - t0}))
"""


def test_writers_survive_shedding_and_a_server_restart(tmp_path: Path, workdir: Path) -> None:
    port = free_port()
    data = tmp_path / "server"
    args = ["--max-ingest", "2"]
    server = start_server(data, port=port, extra_args=args)
    (workdir / "writer.py").write_text(WRITER)
    writers = [
        subprocess.Popen(
            [sys.executable, "writer.py", server.base_url, "6"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    try:
        time.sleep(3)
        server.kill()
        time.sleep(1)
        server = start_server(data, port=port, extra_args=args)
        results = []
        for proc in writers:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
            assert "not uploaded" not in err, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        for result in results:
            for key in ("k0", "k4"):
                assert _steps(server.base_url, result["path"], key) == list(range(result["steps"]))
    finally:
        for proc in writers:
            proc.kill()
        server.stop()
