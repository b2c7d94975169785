"""Fill a server with one sweep through the sweeps API and the real SDK (run as a script).

``python -m tests.browser.seed_sweeps BASE_URL WORKDIR`` creates, in project ``PROJECT``, a grid
sweep over ``lr`` (four values spanning three decades) and ``optimizer`` (two values), takes
``TRIALS`` of its eight points with ``next`` and runs each as an agent's child would: ``cairn.init``
with the handed-out run id, logging ``loss``, which depends on ``lr`` only (best at lr=0.003),
then finishing. One grid point is left, so the sweep stays ``running``. Prints ``SWEEP <id>``.

It also creates, in project ``EARLY_PROJECT``, a sweep with hyperband (``EARLY_CONFIG``): three
trials that log the same good losses and finish, then one bad trial that logs until hyperband asks
it to stop, so it ends ``killed`` with ``stop_reason`` ``early_terminate``. Prints ``EARLY <id>``.

``... --live`` starts a plain run that logs until it is asked to stop (the run page's Stop
button); it prints ``READY <run id>`` once its first values are on the server.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import httpx

import cairn

ENTITY = "tester"
PROJECT = "sweep-demo"
LRS = [0.0001, 0.001, 0.01, 0.1]
OPTIMIZERS = ["adam", "sgd"]
TRIALS = 7
LIVE_RUN = "stoppable"
EARLY_PROJECT = "sweep-early"
EARLY_CONFIG = {
    "method": "grid",
    "name": "early",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"x": {"values": [1, 2, 3, 10]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}
CONFIG = {
    "program": "train.py",
    "method": "grid",
    "name": "lr-grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": LRS}, "optimizer": {"values": OPTIMIZERS}},
}


def _settings(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"base_url": base_url, "capture_system": False, "show_progress": False, **extra}


def loss_of(lr: float, step: int) -> float:
    """The trial's loss at a step: distance of log10(lr) from -2.5, shrinking a little per step."""
    return abs(math.log10(lr) + 2.5) + 1.0 / (step + 1)


def seed_sweep(base_url: str, workdir: Path) -> str:
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as client:
        answer = client.post(f"/projects/{ENTITY}/{PROJECT}/sweeps", json={"config": CONFIG})
        answer.raise_for_status()
        sweep_id = str(answer.json()["id"])
        for _ in range(TRIALS):
            got = client.post(f"/sweeps/{ENTITY}/{PROJECT}/{sweep_id}/next", json={"agent": "seed"})
            got.raise_for_status()
            trial = got.json()["trial"]
            run = cairn.init(
                project=PROJECT,
                entity=ENTITY,
                id=trial["run_id"],
                config=trial["params"],
                dir=str(workdir / "runs"),
                settings=_settings(base_url),
            )
            for step in range(5):
                run.log({"loss": loss_of(float(trial["params"]["lr"]), step)})
            run.finish()
    return sweep_id


def seed_early(base_url: str, workdir: Path) -> str:
    """The hyperband sweep: good trials tie at every bracket, so only the bad one is stopped."""
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as client:
        sweeps = f"/projects/{ENTITY}/{EARLY_PROJECT}/sweeps"
        answer = client.post(sweeps, json={"config": EARLY_CONFIG})
        answer.raise_for_status()
        sweep_id = str(answer.json()["id"])
        for _ in range(4):
            got = client.post(
                f"/sweeps/{ENTITY}/{EARLY_PROJECT}/{sweep_id}/next", json={"agent": "seed"}
            )
            got.raise_for_status()
            trial = got.json()["trial"]
            run = cairn.init(
                project=EARLY_PROJECT,
                entity=ENTITY,
                id=trial["run_id"],
                config=trial["params"],
                dir=str(workdir / "runs-early"),
                settings=_settings(base_url, stop_interrupts=False),
            )
            x = int(trial["params"]["x"])
            if x < 10:
                for step in range(8):
                    run.log({"loss": 1.0 / (step + 1)})
            else:
                deadline = time.monotonic() + 120  # a bound, so a lost seed never hangs for long
                step = 0
                while not run.should_stop and time.monotonic() < deadline:
                    run.log({"loss": x + 1.0 / (step + 1)})
                    step += 1
                    time.sleep(0.05)  # pacing the loop, not a wait for anything
            run.finish()
    return sweep_id


def seed_live(base_url: str, workdir: Path) -> None:
    run = cairn.init(
        project=PROJECT,
        entity=ENTITY,
        name=LIVE_RUN,
        config={"lr": 0.01},
        dir=str(workdir / "runs-live"),
        settings=_settings(base_url, heartbeat_s=1.0),
    )
    run.log({"loss": 1.0})
    print(f"READY {run.id}", file=sys.__stdout__, flush=True)
    step = 0
    deadline = time.monotonic() + 300  # a bound, so a lost test never leaves it behind for long
    # a stop request interrupts this loop (KeyboardInterrupt); the SDK ends the run killed
    while not run.should_stop and time.monotonic() < deadline:
        step += 1
        run.log({"loss": 1.0 / (step + 1)})
        time.sleep(0.05)  # pacing the loop, not a wait for anything
    run.finish()


def main(argv: list[str]) -> None:
    base_url, workdir = argv[0], Path(argv[1])
    workdir.mkdir(parents=True, exist_ok=True)
    if "--live" in argv:
        seed_live(base_url, workdir)
    else:
        print(f"SWEEP {seed_sweep(base_url, workdir)}", flush=True)
        print(f"EARLY {seed_early(base_url, workdir)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
