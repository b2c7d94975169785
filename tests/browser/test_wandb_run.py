"""A run logged by the unmodified ``wandb`` client, seen in Cairn's web app (issue 13's
"done when"): its workspace draws the metric and the W&B image, the run page shows config and
console output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.compat.wandb_client import run_id_of, run_script
from tests.serverproc import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SCRIPT = """
    import numpy as np, wandb
    run = wandb.init(entity="wb", project="migrated", name="wandb-run",
                     config={"lr": 0.003, "optimizer": "adamw"})
    pixels = np.zeros((16, 16, 3), dtype=np.uint8)
    pixels[4:12, 4:12, 1] = 255
    for step in range(30):
        row = {"train/loss": 1.0 / (step + 1)}
        if step % 10 == 0:
            row["samples"] = wandb.Image(pixels, caption=f"step {step}")
        run.log(row)
    print("epoch 1 done: the wandb client talks to Cairn")
    run.finish()
    print("RUN", run.id)
"""


@pytest.fixture(scope="module")
def wandb_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    """A server holding one run logged through the W&B client."""
    root = tmp_path_factory.mktemp("wandb-ui")
    server = start_server(root / "data")
    try:
        result = run_script(SCRIPT, server.base_url, root / "work")
        yield server, run_id_of(result)
    finally:
        server.stop()


def test_the_workspace_draws_the_wandb_metric_and_image(
    page: Any, wandb_run: tuple[ServerProcess, str]
) -> None:
    server, _ = wandb_run
    page.goto(f"{server.base_url}/wb/migrated")
    runs = page.get_by_role("table", name="Runs")
    expect(runs.get_by_role("link", name="wandb-run", exact=True)).to_be_visible()
    chart = page.get_by_role("figure", name="train/loss", exact=True)
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_attribute("data-state", "ready")
    panel = page.locator('[data-testid="panel"][data-panel-id="media:samples"]')
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("data-panel-type", "image")
    expect(panel).to_have_attribute("data-state", "ready")
    image = panel.locator("img").first
    expect(image).to_be_visible()
    assert image.evaluate("(img) => img.naturalWidth") == 16
    screenshot(page, "wandb-run-workspace")


def test_the_run_page_shows_config_and_console(
    page: Any, wandb_run: tuple[ServerProcess, str], tmp_path: Path
) -> None:
    server, run_id = wandb_run
    page.goto(f"{server.base_url}/wb/migrated/runs/{run_id}")
    expect(page.get_by_role("heading", name="wandb-run", level=1)).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("optimizer", exact=True).first).to_be_visible()
    expect(main.get_by_text("adamw", exact=True).first).to_be_visible()
    expect(main.get_by_text("finished").first).to_be_visible()
    expect(main.get_by_text("_wandb")).to_have_count(0)  # W&B's private config stays out
    page.get_by_role("tab", name="Logs").click()
    expect(page.get_by_text(re.compile("the wandb client talks to Cairn"))).to_be_visible()
