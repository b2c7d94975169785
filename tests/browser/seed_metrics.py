"""Log a run with ``define_metric`` rules through the real SDK (run as a script).

``python -m tests.browser.seed_metrics BASE_URL WORKDIR`` logs one finished run, ``epochs``, of
project ``metric-rules``: ``val/*`` plotted against ``epoch`` (logged once per epoch, filled
into the val rows by step_sync), ``debug/*`` hidden, ``val/loss`` summarised as min and max.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cairn

ENTITY = "tester"
PROJECT = "metric-rules"
RUN = "epochs"
EPOCHS = 6


def seed(base_url: str, workdir: Path) -> None:
    """The one run."""
    run = cairn.init(
        project=PROJECT,
        entity=ENTITY,
        name=RUN,
        dir=str(workdir / "runs"),
        settings={"base_url": base_url, "capture_system": False, "show_progress": False},
    )
    run.define_metric("val/*", step_metric="epoch")
    # a metric's own definition replaces the glob's for it (as in W&B): repeat the x axis
    run.define_metric("val/loss", step_metric="epoch", summary="min,max")
    run.define_metric("debug/*", hidden=True)
    for epoch in range(EPOCHS):
        run.log({"epoch": epoch})
        for batch in range(10):
            run.log({"train/loss": 2.0 / (1 + epoch + batch / 10), "debug/grad_norm": 1.0 + batch})
        run.log({"val/loss": 1.5 - 0.2 * epoch, "val/acc": 0.5 + 0.08 * epoch})
    run.finish()


if __name__ == "__main__":
    seed(sys.argv[1], Path(sys.argv[2]))
