"""The SDK in a real Jupyter kernel: link shown in the cell, console captured, finish on stop."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from jupyter_client.manager import start_new_kernel

from tests.serverproc import ServerProcess


def _run_cell(client: Any, code: str) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    reply = client.execute_interactive(code, timeout=60, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", reply["content"]
    return outputs


def _wait_finished(server: ServerProcess, run_path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        run = httpx.get(f"{server.base_url}/api/v1/runs/{run_path}").json()
        if run["state"] != "running" or time.monotonic() > deadline:
            return run
        time.sleep(0.2)


@pytest.mark.timeout(180)
def test_run_in_a_kernel_links_captures_console_and_finishes_on_shutdown(
    server: ServerProcess, workdir: Path
) -> None:
    manager, client = start_new_kernel(
        kernel_name="python3", startup_timeout=60, cwd=str(workdir), env=dict(os.environ)
    )
    try:
        outputs = _run_cell(
            client,
            "import cairn\n"
            f'run = cairn.init(project="nb", settings={{"base_url": "{server.base_url}", '
            '"capture_system": False})\n'
            "print(run.path)",
        )
        html = [
            o["content"]["data"]["text/html"] for o in outputs if o["msg_type"] == "display_data"
        ]
        assert len(html) == 1
        stdout = "".join(o["content"]["text"] for o in outputs if o["msg_type"] == "stream")
        run_path = stdout.strip().splitlines()[-1]
        run_id = run_path.split("/")[-1]
        assert f'href="{server.base_url}/' in html[0]
        assert run_id in html[0]

        cell = 'for i in range(10):\n    run.log({"x": float(i)})\nprint("hello from the notebook")'
        shown = _run_cell(client, cell)
        assert any("hello from the notebook" in o["content"].get("text", "") for o in shown)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # a polite shutdown: the kernel's atexit runs

    run = _wait_finished(server, run_path)
    assert run["state"] == "finished"
    keys = httpx.get(f"{server.base_url}/api/v1/runs/{run_path}/keys").json()["keys"]
    assert [(k["key"], k["count"]) for k in keys if k["kind"] == "history"] == [("x", 10)]
    console = httpx.get(f"{server.base_url}/api/v1/runs/{run_path}/console").json()["lines"]
    assert any(line["text"] == "hello from the notebook" for line in console)
