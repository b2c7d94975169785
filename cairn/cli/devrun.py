"""``make run``: start the server in the foreground and make sure an example run is in it."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from typing import Any

from cairn.sdk.net import Client, NetError

EXAMPLE_ENTITY = "examples"
EXAMPLE_PROJECT = "quickstart"


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until the server answers /api/health; exit if it died."""
    deadline = time.monotonic() + timeout_s
    client = Client(base_url, timeout_s=1)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with code {proc.returncode}")
        try:
            if client.request("GET", "/api/health").status == 200:
                client.close()
                return
        except NetError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer on {base_url} within {timeout_s:.0f} s")


EXAMPLE_RUNS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("adam-lr1e-3", {"lr": 1e-3, "optimizer": "adam", "batch_size": 64}),
    ("adam-lr3e-4", {"lr": 3e-4, "optimizer": "adam", "batch_size": 64}),
    ("sgd-lr1e-2", {"lr": 1e-2, "optimizer": "sgd", "batch_size": 128}),
)


def log_example_runs(base_url: str) -> list[str]:
    """Log three small example runs: config, curves, console lines, media and a table."""
    import cairn
    from cairn.cli import example_media

    settings = {"base_url": base_url, "entity": EXAMPLE_ENTITY, "capture_system": False,
                "show_progress": False}  # fmt: skip
    ids = []
    for index, (name, config) in enumerate(EXAMPLE_RUNS):
        speed = 40.0 * (1 + index)
        with cairn.init(
            project=EXAMPLE_PROJECT, name=name, config=config, tags=["example"],
            settings=settings, dir=tempfile.mkdtemp(prefix="cairn-example-"),
        ) as run:  # fmt: skip
            for step in range(500):
                loss = 2.0 * math.exp(-step / speed) + 0.05 * math.sin(step / 3) + 0.1 * index
                run.log({
                    "train/loss": loss,
                    "train/lr": config["lr"] * (1 - step / 500),
                    "val/acc": 1 - 0.9 * math.exp(-step / (speed * 0.8)) - 0.03 * index,
                })  # fmt: skip
                if step % 100 == 0:
                    print(f"step {step}: loss {loss:.4f}")
                if step % 50 == 0 or step == 499:
                    run.log(example_media.media_at(step, 500, index, seed=index), step=step)
            run.log({"eval/predictions": example_media.predictions_table(index, seed=index)})
            print("training finished")
        ids.append(run.id)
    return ids


def has_example(base_url: str) -> bool:
    """Whether the example project already has runs."""
    path = f"/api/v1/projects/{EXAMPLE_ENTITY}/{EXAMPLE_PROJECT}"
    client = Client(base_url, timeout_s=5)
    response = client.request("GET", path)
    client.close()
    answer = response.json() if response.status == 200 else {}
    return isinstance(answer, dict) and answer.get("run_count", 0) > 0


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
            ids = log_example_runs(base_url)
            print(f"logged {len(ids)} example runs into {EXAMPLE_ENTITY}/{EXAMPLE_PROJECT}")
        print(
            f"\n  Cairn is running: {base_url}\n"
            f"  Example project:  {base_url}/{EXAMPLE_ENTITY}/{EXAMPLE_PROJECT}\n"
            f"  API docs:         {base_url}/api/docs\n",
            flush=True,
        )
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
