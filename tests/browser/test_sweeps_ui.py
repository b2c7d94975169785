"""The sweeps web app in a browser against a real server holding a sweep run through the SDK
(seed_sweeps.py): the sweep page (header, counts, best run, controls, parallel coordinates with
brushing, parameter importance), the sweeps list, both panels in a workspace through Add panel,
and the run page's Stop button on a live run.

What these tests rely on: the parallel-coordinates canvas carries ``data-lines`` (runs drawn) and
``data-highlighted`` (runs passing the brushes); the importance table carries ``data-order`` (the
keys as listed); the sweep's state badge carries ``data-state``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed_sweeps
from tests.browser.conftest import SweepSeeded, screenshot, screenshot_of
from tests.browser.seed_sweeps import TRIALS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _painted_pixels(canvas: Any) -> int:
    """How many pixels of the canvas are not transparent."""
    return int(
        canvas.evaluate(
            """(c) => {
              const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
              return n;
            }"""
        )
    )


def _sweep(seeded: SweepSeeded) -> dict[str, Any]:
    answer = httpx.get(
        f"{seeded.base_url}/api/v1/sweeps/{seeded.entity}/{seeded.project}/{seeded.sweep_id}",
        timeout=10,
    )
    answer.raise_for_status()
    return dict(answer.json())


def test_the_sweep_page_shows_header_counts_and_best_run(
    page: Any, sweep_seeded: SweepSeeded
) -> None:
    sweep = _sweep(sweep_seeded)
    page.goto(sweep_seeded.sweep_url)
    expect(page.get_by_role("heading", name="lr-grid")).to_be_visible()
    expect(page.locator(".sweep-state")).to_have_attribute("data-state", "running")
    expect(page.locator(".sweep-counts")).to_have_text(f"{TRIALS} finished")
    best = page.locator(".sweep-best").get_by_role("link")
    expect(best).to_have_attribute("href", re.compile(f"/runs/{sweep['best']['run_id']}$"))
    expect(page.get_by_label("Agent command")).to_have_text(f"cairn agent {sweep['path']}")
    expect(page.get_by_label("Sweep config")).to_contain_text('"optimizer"')
    runs = page.locator(".sweep-runs tbody tr")
    expect(runs).to_have_count(TRIALS)
    canvas = page.get_by_role("region", name="Parallel coordinates").locator("canvas")
    expect(canvas).to_have_attribute("data-lines", str(TRIALS))
    expect(page.get_by_role("region", name="Metric over time").locator("canvas")).to_have_attribute(
        "data-points", str(TRIALS)
    )
    page.set_viewport_size({"width": 1400, "height": 1500})
    screenshot(page, "sweep-page")


def test_parallel_coordinates_draw_and_brushing_highlights_fewer(
    page: Any, sweep_seeded: SweepSeeded
) -> None:
    page.goto(sweep_seeded.sweep_url)
    canvas = page.get_by_role("region", name="Parallel coordinates").locator("canvas")
    expect(canvas).to_have_attribute("data-highlighted", str(TRIALS))
    assert _painted_pixels(canvas) > 2000
    # the lr axis is the first (log: 1e-4 .. 0.1); drag over its upper half (lr >= 0.01)
    expect(page.get_by_role("button", name="lr (log)")).to_be_visible()
    box = canvas.bounding_box()
    x = box["x"] + 36
    top = box["y"] + 30
    bottom = box["y"] + box["height"] - 22
    page.mouse.move(x, top - 2)
    page.mouse.down()
    page.mouse.move(x, (top + bottom) / 2 + 10, steps=5)
    page.mouse.up()
    expect(canvas).to_have_attribute("data-highlighted", "3")
    screenshot_of(page.get_by_role("region", name="Parallel coordinates"), "sweep-parallel-brushed")
    page.get_by_role("button", name=re.compile("Clear brushes")).click()
    expect(canvas).to_have_attribute("data-highlighted", str(TRIALS))
    # the axis name switches lr between log and linear
    page.get_by_role("button", name="lr (log)").click()
    expect(page.get_by_role("button", name="lr", exact=True)).to_be_visible()


def test_importance_lists_the_parameter_the_metric_depends_on_first(
    page: Any, sweep_seeded: SweepSeeded
) -> None:
    page.goto(sweep_seeded.sweep_url)
    table = page.get_by_role("region", name="Parameter importance").locator("table")
    expect(table).to_have_attribute("data-order", "config.lr,config.optimizer")
    expect(table.locator("tbody tr").first).to_contain_text("lr")
    # sorting by name: A-Z first, then Z-A
    by_name = table.get_by_role("button", name=re.compile("^Parameter"))
    by_name.click()
    expect(table.locator("th").first).to_have_attribute("aria-sort", "ascending")
    by_name.click()
    expect(table).to_have_attribute("data-order", "config.optimizer,config.lr")


def test_pause_and_resume_change_the_state(page: Any, sweep_seeded: SweepSeeded) -> None:
    page.goto(sweep_seeded.sweep_url)
    state = page.locator(".sweep-state")
    expect(state).to_have_attribute("data-state", "running")
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(state).to_have_attribute("data-state", "paused")
    assert _sweep(sweep_seeded)["state"] == "paused"
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(state).to_have_attribute("data-state", "running")
    assert _sweep(sweep_seeded)["state"] == "running"


def test_the_workspace_links_to_the_sweeps_list(page: Any, sweep_seeded: SweepSeeded) -> None:
    page.goto(f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{sweep_seeded.project}")
    page.get_by_role("link", name="Sweeps", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sweeps$"))
    row = page.locator(f'tr[data-sweep="{sweep_seeded.sweep_id}"]')
    expect(row).to_contain_text("lr-grid")
    expect(row).to_contain_text("grid")
    expect(row).to_contain_text("loss (min)")
    expect(row).to_contain_text(f"{TRIALS} finished")
    screenshot(page, "sweeps-list")
    row.get_by_role("link", name="lr-grid").click()
    expect(page).to_have_url(re.compile(f"/sweeps/{sweep_seeded.sweep_id}$"))
    expect(page.get_by_role("heading", name="lr-grid")).to_be_visible()


@pytest.mark.parametrize(
    ("label", "kind"),
    [("Parallel coordinates", "parallel"), ("Parameter importance", "importance")],
)
def test_a_workspace_can_add_the_sweep_panels(
    page: Any, sweep_seeded: SweepSeeded, label: str, kind: str
) -> None:
    page.goto(f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{sweep_seeded.project}")
    page.get_by_role("button", name="Add panel").click()
    dialog = page.get_by_role("dialog", name="Add panel")
    dialog.get_by_role("radio", name=label, exact=True).check()
    dialog.get_by_role("combobox", name="Value").select_option("summary.loss")
    dialog.get_by_role("button", name="Add", exact=True).click()
    panel = page.locator(f'[data-testid="panel"][data-panel-type="{kind}"]')
    expect(panel).to_have_count(1)
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("data-state", "ready")
    if kind == "parallel":
        canvas = panel.locator("canvas")
        expect(canvas).to_have_attribute("data-lines", re.compile(r"^\d+$"))
        assert int(canvas.get_attribute("data-lines")) >= TRIALS
        assert _painted_pixels(canvas) > 1000
    else:
        expect(panel.locator("table")).to_have_attribute("data-order", re.compile(r"^config\.lr,"))


def test_a_trial_links_to_its_sweep(page: Any, sweep_seeded: SweepSeeded) -> None:
    best = _sweep(sweep_seeded)["best"]["run_id"]
    page.goto(f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{sweep_seeded.project}/runs/{best}")
    page.get_by_role("link", name=f"sweep {sweep_seeded.sweep_id}").click()
    expect(page).to_have_url(re.compile(f"/sweeps/{sweep_seeded.sweep_id}$"))


def test_the_stop_button_stops_a_running_run(page: Any, sweep_seeded: SweepSeeded) -> None:
    page.goto(
        f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{sweep_seeded.project}/runs/{sweep_seeded.live_run_id}"
    )
    header = page.locator(".run-header")
    expect(header.locator(".badge").first).to_have_text("running")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop run").click()
    # the SDK sees the request on its next ingest answer and ends the run; the page polls
    expect(header.locator(".badge").first).to_have_text("killed", timeout=60_000)
    expect(page.locator("[data-stop-reason]")).to_have_attribute("data-stop-reason", "user")
    expect(page.get_by_role("button", name=re.compile("^Stop"))).to_have_count(0)
    # the training process ended with its run
    sweep_seeded.live.wait(timeout=60)


def test_the_sweeps_list_pages_past_the_first_hundred(page: Any, sweep_seeded: SweepSeeded) -> None:
    project = "many-sweeps"
    config = {"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}
    with httpx.Client(base_url=f"{sweep_seeded.base_url}/api/v1", timeout=30) as client:
        for n in range(102):
            answer = client.post(
                f"/projects/{sweep_seeded.entity}/{project}/sweeps",
                json={"config": config, "name": f"sweep-{n:03d}"},
            )
            assert answer.status_code == 201, answer.text
    page.goto(f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{project}/sweeps")
    rows = page.locator("tr[data-sweep]")
    expect(rows).to_have_count(100)
    expect(rows.first).to_contain_text("sweep-101")  # newest first
    expect(page.locator(".sweeps-count")).to_have_text("100 sweeps shown")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(102)
    expect(rows.last).to_contain_text("sweep-000")
    expect(page.locator(".sweeps-count")).to_have_text("102 sweeps")
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)


def test_a_trial_hyperband_stopped_reads_stopped_early(
    page: Any, sweep_seeded: SweepSeeded
) -> None:
    base = f"{sweep_seeded.base_url}/{sweep_seeded.entity}/{seed_sweeps.EARLY_PROJECT}"
    page.goto(f"{base}/sweeps/{sweep_seeded.early_sweep_id}")
    expect(page.get_by_role("heading", name="early")).to_be_visible()
    expect(page.locator(".sweep-counts")).to_have_text("3 finished · 1 stopped early")
    rows = page.locator("tr[data-run]")
    expect(rows).to_have_count(4)
    stopped = rows.filter(has=page.locator(".badge.state-stopped-early"))
    expect(stopped).to_have_count(1)
    expect(stopped).to_contain_text("stopped early")
    expect(stopped.locator("td.mono").first).to_have_text("10")  # the bad trial, x = 10
    expect(rows.locator(".badge.state-finished")).to_have_count(3)
