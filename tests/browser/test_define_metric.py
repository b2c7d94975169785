"""``define_metric`` in the web app, against a real server holding a run logged by the SDK
(seed_metrics.py): ``val/*`` plotted against ``epoch`` by default, ``debug/*`` hidden from the
generated panels (still addable by hand), the rules on the run's overview."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed_metrics
from tests.browser.conftest import SeededProject, _sdk_env, _seed, screenshot
from tests.serverproc import start_server


@pytest.fixture(scope="module")
def rules_seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededProject]:
    tmp = tmp_path_factory.mktemp("browser-define-metric")
    server = start_server(tmp / "server")
    try:
        _seed(server, "tests.browser.seed_metrics", tmp / "work", _sdk_env(tmp))
        answer = httpx.get(
            f"{server.base_url}/api/v1/projects/{seed_metrics.ENTITY}/{seed_metrics.PROJECT}/runs",
            timeout=10,
        )
        answer.raise_for_status()
        runs = {run["name"]: run for run in answer.json()["runs"]}
        yield SeededProject(server, seed_metrics.ENTITY, seed_metrics.PROJECT, runs)
    finally:
        server.stop()


def _panel(page: Any, key: str) -> Any:
    return page.get_by_role("figure", name=key, exact=True)


def _expect_rules_drawn(page: Any) -> None:
    for key in ("val/loss", "val/acc"):
        panel = _panel(page, key)
        panel.scroll_into_view_if_needed()
        expect(panel).to_have_attribute("data-state", "ready")
        expect(panel.locator(".panel-x")).to_have_text("x: epoch")
    train = _panel(page, "train/loss")
    train.scroll_into_view_if_needed()
    expect(train).to_have_attribute("data-state", "ready")
    expect(train.locator(".panel-x")).to_have_count(0)  # no rule: against the step
    expect(_panel(page, "epoch")).to_have_count(1)
    expect(_panel(page, "debug/grad_norm")).to_have_count(0)


def test_workspace_plots_val_against_epoch_and_hides_debug(
    page: Any, rules_seeded: SeededProject
) -> None:
    page.goto(rules_seeded.workspace_url())
    _expect_rules_drawn(page)
    loss = _panel(page, "val/loss")
    loss.get_by_role("button", name="Panel settings").click()
    dialog = page.get_by_role("dialog", name="Settings for val/loss")
    expect(dialog.get_by_role("combobox", name="X axis")).to_have_value("epoch")
    dialog.get_by_role("combobox", name="X axis").select_option("step")
    dialog.get_by_role("button", name="Done").click()
    expect(loss.locator(".panel-x")).to_have_count(0)  # the user's choice wins
    expect(loss).to_have_attribute("data-state", "ready")
    screenshot(page, "define-metric-workspace")

    # a hidden metric gets no generated panel, but can be added by hand
    page.get_by_role("button", name="Add panel").click()
    add = page.get_by_role("dialog", name="Add panel")
    add.get_by_role("radio", name="Line plot", exact=True).check()
    add.get_by_role("combobox", name="Metric").select_option("debug/grad_norm")
    add.get_by_role("button", name="Add", exact=True).click()
    debug = _panel(page, "debug/grad_norm")
    debug.scroll_into_view_if_needed()
    expect(debug).to_have_attribute("data-state", "ready")


def test_run_page_charts_and_overview_follow_the_rules(
    page: Any, rules_seeded: SeededProject
) -> None:
    page.goto(rules_seeded.run_url(seed_metrics.RUN, "charts"))
    _expect_rules_drawn(page)
    page.get_by_role("tab", name="Overview").click()
    rules = page.get_by_role("region", name="Metric definitions")
    rows = rules.get_by_role("row")
    expect(rows).to_have_count(4)  # the header and three rules
    expect(rows.nth(1)).to_contain_text("val/*")
    expect(rows.nth(1)).to_contain_text("epoch")
    expect(rows.nth(2)).to_contain_text("val/loss")
    expect(rows.nth(2)).to_contain_text("min, max")
    expect(rows.nth(3)).to_contain_text("debug/*")
    expect(rows.nth(3)).to_contain_text("hidden")
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_role("row", name="val/loss.min")).to_contain_text("0.5")
    expect(summary.get_by_role("row", name="val/loss.max")).to_contain_text("1.5")
    screenshot(page, "define-metric-overview")
