"""``make run``: start the server in the foreground and make sure an example run is in it."""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time

import httpx

from cairn.naming import new_run_id
from cairn.wire import CONTENT_TYPE, ColumnBlockBuilder, encode_batch, encode_records

EXAMPLE_ENTITY = "examples"
EXAMPLE_PROJECT = "quickstart"


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until the server answers /api/health; exit if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer on {base_url} within {timeout_s:.0f} s")


def log_example_run(base_url: str) -> str:
    """Log a small example run (config, 200 steps of two curves, console lines) and finish it."""
    run_id = new_run_id()
    now = time.time()
    block = ColumnBlockBuilder()
    for step in range(200):
        loss = 2.0 * math.exp(-step / 50) + 0.05 * math.sin(step / 3)
        acc = 1 - 0.9 * math.exp(-step / 40)
        block.add_row(step, now + step * 0.05, {"train/loss": loss, "val/acc": acc})
    records = [
        ["run", {"name": "example-run", "config": {"lr": 0.001, "optimizer": "adam",
                 "batch_size": 64}, "tags": ["example"], "created_at": now}],
        ["history", block.build()],
        ["summary", {"set": {"train/loss": loss, "val/acc": acc}}],
        ["console", {"stream": "stdout", "lines": ["epoch 1 done", "training finished"],
                     "time": now + 10}],
        ["finish", {"time": now + 10, "exit_code": 0}],
    ]  # fmt: skip
    body = encode_batch(
        EXAMPLE_ENTITY, EXAMPLE_PROJECT, run_id, os.urandom(16), 0, encode_records(records)
    )
    response = httpx.post(
        f"{base_url}/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
    )
    response.raise_for_status()
    return run_id


def has_example(base_url: str) -> bool:
    """Whether the example project already has runs."""
    url = f"{base_url}/api/v1/projects/{EXAMPLE_ENTITY}/{EXAMPLE_PROJECT}"
    response = httpx.get(url, timeout=5)
    return response.status_code == 200 and response.json().get("run_count", 0) > 0


def main() -> int:
    """Start ``cairn server``, seed the example, print the URL, wait for the server."""
    parser = argparse.ArgumentParser(prog="python -m cairn.cli.devrun")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    command = [sys.executable, "-m", "cairn.cli.main", "server", "--host", args.host,
               "--port", str(args.port)]  # fmt: skip
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    base_url = f"http://{args.host}:{args.port}"
    proc = subprocess.Popen(command)
    try:
        wait_healthy(base_url, proc)
        if not has_example(base_url):
            run_id = log_example_run(base_url)
            print(f"logged an example run: {EXAMPLE_ENTITY}/{EXAMPLE_PROJECT}/{run_id}")
        print(f"\n  Cairn is running: {base_url}\n  API docs: {base_url}/api/docs\n", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
