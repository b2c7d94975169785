"""Line panels of several metrics and a derived metric: the legend's values at the cursor and
the smoothing kinds, checked against the points the server stores.

Relies on: Add panel's "Line plot" radio, "Metric" combobox and "Also plot" list; a line panel
named by its metrics and expressions (``role=figure``); its settings dialog ("Settings for
<title>") with an "Expression" box, an "Add line" button, a "Smoothing type" combobox and a
"Smoothing" spinbutton; the legend (``aria-label=Legend``) whose rows carry ``data-line`` (run
name · metric) and a ``.legend-value`` (the value at the cursor, the raw one in brackets when
smoothed), under ``data-testid=legend-x`` (the cursor's x).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded, screenshot_of

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

RUN = "resnet-baseline"
DERIVED = "train/loss - train/acc"
TITLE = "train/loss, train/acc"
WINDOW = 10  # running average: 4 points before, the point, 5 after


def _points(seeded: Seeded, key: str) -> dict[int, float]:
    url = f"{seeded.base_url}/api/v1/runs/{seeded.entity}/{seeded.project}/{seeded.run_id(RUN)}"
    answer = httpx.get(f"{url}/series/{key}/points", params={"limit": 10000}, timeout=10)
    answer.raise_for_status()
    page = answer.json()
    return dict(zip(page["steps"], page["values"], strict=True))


def _close(shown: float, expected: float) -> bool:
    # the legend shows 5 significant digits
    return abs(shown - expected) <= 1e-4 * max(abs(expected), 1e-3)


def _hover(page: Any, panel: Any) -> int:
    """Put the cursor at 40 % of the plot's width; the step the legend says it is at."""
    area = panel.locator(".u-over").first
    box = area.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] / 2)
    header = panel.get_by_test_id("legend-x")
    expect(header).to_have_text(re.compile(r"^step \d+$"))
    return int(header.inner_text().split()[1])


def _value(panel: Any, line: str) -> tuple[float, float | None]:
    """A legend row's value at the cursor, and its raw value when the line is smoothed."""
    cell = panel.locator(f'li[data-line="{line}"] .legend-value')
    expect(cell).to_have_text(re.compile(r"\S"))
    text = cell.inner_text().strip()
    shown, _, raw = text.partition(" (")
    return float(shown), float(raw.rstrip(")")) if raw else None


def test_two_metrics_and_a_derived_line_read_at_the_cursor_then_smoothed(
    page: Any, seeded: Seeded
) -> None:
    loss = _points(seeded, "train/loss")
    acc = _points(seeded, "train/acc")
    page.goto(seeded.workspace_url())
    page.get_by_role("button", name="Add panel").click()
    add = page.get_by_role("dialog", name="Add panel")
    add.get_by_role("radio", name="Line plot", exact=True).check()
    add.get_by_role("combobox", name="Metric").select_option("train/loss")
    add.get_by_role("listbox", name="Also plot").select_option(["train/acc"])
    add.get_by_role("button", name="Add", exact=True).click()
    panel = page.get_by_role("figure", name=TITLE, exact=True)
    panel.scroll_into_view_if_needed()
    panel_id = panel.get_attribute("data-panel-id")
    assert panel_id
    try:
        # a wide panel asks for more buckets than the 500 steps: the exact points
        panel.get_by_role("combobox", name="Panel size").select_option("L")
        panel = page.locator(f'[data-testid="panel"][data-panel-id="{panel_id}"]')
        expect(panel).to_have_attribute("data-mode", "exact")
        expect(panel).to_have_attribute("data-state", "ready")

        panel.get_by_role("button", name="Panel settings").click()
        dialog = page.get_by_role("dialog", name=f"Settings for {TITLE}")
        expression = dialog.get_by_role("textbox", name="Expression")
        expression.fill("train/loss -")
        expect(dialog.get_by_role("alert")).to_contain_text("column 13")
        expect(dialog.get_by_role("button", name="Add line")).to_be_disabled()
        expression.fill("1 - accuracy")
        expect(dialog.get_by_role("alert")).to_contain_text("no metric named `accuracy`")
        expression.fill(DERIVED)
        dialog.get_by_role("button", name="Add line").click()
        dialog.get_by_role("button", name="Done").click()
        expect(panel).to_have_attribute("aria-label", f"{TITLE}, {DERIVED}")
        expect(panel).to_have_attribute("data-state", "ready")

        step = _hover(page, panel)
        shown_loss, raw = _value(panel, f"{RUN} · train/loss")
        assert raw is None
        assert _close(shown_loss, loss[step]), (step, shown_loss, loss[step])
        shown_acc, _ = _value(panel, f"{RUN} · train/acc")
        assert _close(shown_acc, acc[step]), (step, shown_acc, acc[step])
        shown_gap, _ = _value(panel, f"{RUN} · {DERIVED}")
        assert _close(shown_gap, loss[step] - acc[step]), (step, shown_gap)
        screenshot_of(panel, "line-panel-metrics")

        # running average over 10 points: the legend shows it, the raw value in brackets
        panel.get_by_role("button", name="Panel settings").click()
        dialog = page.get_by_role("dialog", name=re.compile("^Settings for "))
        dialog.get_by_role("combobox", name="Smoothing type").select_option("average")
        expect(dialog.get_by_role("spinbutton", name="Smoothing")).to_have_value(str(WINDOW))
        dialog.get_by_role("button", name="Done").click()
        expect(panel).to_have_attribute("data-state", "ready")
        page.mouse.move(0, 0)
        assert _hover(page, panel) == step
        smoothed, raw = _value(panel, f"{RUN} · train/loss")
        assert raw is not None
        assert _close(raw, loss[step])
        steps = sorted(loss)
        at = steps.index(step)
        window = [loss[s] for s in steps[max(0, at - 4) : at + 6]]
        assert _close(smoothed, sum(window) / len(window)), (smoothed, window)
    finally:
        # the seeded server is shared by the session: take the panel away again
        with page.expect_request(lambda r: r.method == "PUT" and "/workspace" in r.url):
            page.locator(f'[data-testid="panel"][data-panel-id="{panel_id}"]').get_by_role(
                "button", name="Remove panel"
            ).click()
