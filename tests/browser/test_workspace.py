"""The project workspace: runs table (filter, sort, group, columns, eye) and the chart panels.

What these tests rely on (accessible names the page provides):
- the runs table is ``role=table`` named "Runs"; each run's row holds a link named by the run;
- the "Filter runs" combobox takes the expression ("Apply" applies it); a bad expression shows
  a ``role=alert`` with the parser's message; the URL query carries it (``?q=``);
- "Group by" (a select) takes ``config.optimizer``; group rows hold an aria-expanded toggle;
- a "Columns" button opens the column picker with a checkbox per key (``config.model.depth``);
- each run row has an eye toggle named ``Hide <run name> in charts``;
- the charts toolbar (``role=toolbar`` "Charts") says "N runs · M panels";
- panels are ``role=figure`` named by their metric with data-state="ready" once drawn.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import Seeded, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

RUN_NAMES = [r["name"] for r in seed.RUNS]
ALL_RUNS = len(seed.RUNS) + 2  # + the hostile run + the live run


def _grid(page: Any) -> Any:
    return page.get_by_role("table", name="Runs")


def _run_links(page: Any) -> Any:
    return _grid(page).get_by_role("link")


def _shown_names(page: Any) -> list[str]:
    names: list[str] = _run_links(page).all_inner_texts()
    return [n.strip() for n in names if n.strip()]


def _filter_box(page: Any) -> Any:
    return page.get_by_role("combobox", name="Filter runs")


def _apply_filter(page: Any, expression: str) -> None:
    _filter_box(page).fill(expression)
    page.get_by_role("button", name="Apply", exact=True).click()


def _panel(page: Any, key: str) -> Any:
    return page.get_by_role("figure", name=key, exact=True)


def _open(page: Any, seeded: Seeded, query: str = "") -> None:
    page.goto(seeded.workspace_url(query))
    expect(_grid(page).get_by_role("link", name="resnet-baseline", exact=True)).to_be_visible()


def test_runs_table_shows_every_run_with_state(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    for name in [*RUN_NAMES, "live-run"]:
        expect(_grid(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    failed = (
        _grid(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name="vit-diverged", exact=True))
    )
    expect(failed).to_contain_text("failed")
    live = (
        _grid(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name="live-run", exact=True))
    )
    expect(live).to_contain_text("running")
    expect(_panel(page, "train/loss")).to_have_attribute("data-state", "ready")
    screenshot(page, "workspace")


def test_sorting_by_a_column_orders_the_rows(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    header = _grid(page).get_by_role("columnheader", name=re.compile(r"^Name"))
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", re.compile("ascending|descending"))
    direction = header.get_attribute("aria-sort")
    # the rows are fetched again in the new order: read them once they are back
    expect(_run_links(page).first).to_be_visible()
    expected = sorted(_shown_names(page), key=str.lower, reverse=direction == "descending")
    expect(_run_links(page).first).to_have_text(expected[0])
    assert _shown_names(page) == expected
    header.get_by_role("button").click()
    flipped = "ascending" if direction == "descending" else "descending"
    expect(header).to_have_attribute("aria-sort", flipped)
    expect(_run_links(page).first).to_have_text(expected[-1])


def test_filter_expression_narrows_rows_and_lives_in_the_url(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    _apply_filter(page, "config.optimizer = adam and config.lr < 0.005")
    # resnet-adam (0.001) and live-run (0.004); resnet-deep has lr 0.01
    expect(_run_links(page)).to_have_count(2)
    assert sorted(_shown_names(page)) == ["live-run", "resnet-adam"]
    expect(page).to_have_url(re.compile(r"[?&]q=config\.optimizer"))
    page.reload()
    expect(_filter_box(page)).to_have_value(re.compile(r"config\.optimizer = adam"))
    expect(_run_links(page)).to_have_count(2)


def test_bad_filter_expression_shows_an_error(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    _filter_box(page).fill("config.lr >")
    error = page.get_by_role("alert").filter(has_text=re.compile("expected a value"))
    expect(error).to_be_visible()


def test_group_by_a_config_key_shows_groups(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    page.get_by_label("Group by").select_option("config.optimizer")
    groups = _grid(page).locator("[role=row]:has(button[aria-expanded])")
    # adam, adamw, sgd and the hostile run's <script> value
    expect(groups).to_have_count(4)
    for value in ("adam", "adamw", "sgd"):
        expect(groups.filter(has_text=re.compile(rf"\b{value}\b")).first).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]group=config\.optimizer"))
    screenshot(page, "workspace-grouped")
    page.reload()
    expect(_grid(page).locator("[role=row]:has(button[aria-expanded])")).to_have_count(4)


def test_column_picker_adds_a_config_column(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    page.get_by_role("button", name="Columns", exact=True).click()
    picker = page.get_by_role("dialog", name="Choose columns")
    # config.model.arch is not among the columns shown by default
    expect(_grid(page).get_by_role("columnheader", name=re.compile(r"model\.arch"))).to_have_count(
        0
    )
    # ticking moves the key to the "Shown" list of the picker
    picker.get_by_role("checkbox", name=re.compile(r"model\.arch")).click()
    picker.get_by_role("button", name="Done").click()
    header = _grid(page).get_by_role("columnheader", name=re.compile(r"model\.arch"))
    expect(header).to_be_visible()
    deep = (
        _grid(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name="resnet-deep", exact=True))
    )
    expect(deep.get_by_role("cell", name="resnet", exact=True)).to_be_visible()


def test_eye_toggle_hides_a_run_from_the_charts(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    toolbar = page.get_by_role("toolbar", name="Charts")
    expect(toolbar).to_contain_text(re.compile(r"(\d+) runs"))
    before = int(re.search(r"(\d+) runs", toolbar.inner_text()).group(1))  # type: ignore[union-attr]
    eye = page.get_by_role("button", name="Hide resnet-adam in charts", exact=True)
    eye.click()
    expect(toolbar).to_contain_text(f"{before - 1} run")
    expect(_grid(page).get_by_role("link", name="resnet-adam", exact=True)).to_be_visible()
    page.get_by_role("button", name="Show resnet-adam in charts", exact=True).click()
    expect(toolbar).to_contain_text(f"{before} runs")


def test_panels_render_in_train_and_val_sections(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    for section, keys in (("train", ["train/loss", "train/acc"]), ("val", ["val/loss", "val/acc"])):
        region = page.get_by_role("region", name=f"Section {section}")
        expect(region).to_be_visible()
        for key in keys:
            panel = region.get_by_role("figure", name=key, exact=True)
            panel.scroll_into_view_if_needed()
            expect(panel).to_have_attribute("data-state", "ready")
            expect(panel).to_have_attribute("data-mode", re.compile("^(exact|buckets)$"))
            expect(panel.locator("canvas").first).to_be_visible()


def test_smoothing_changes_what_the_panel_draws(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    panel = _panel(page, "train/loss")
    expect(panel).to_have_attribute("data-state", "ready")
    before = panel.locator("canvas").first.screenshot()
    panel.get_by_role("button", name="Panel settings").click()
    dialog = page.get_by_role("dialog", name="Settings for train/loss")
    dialog.get_by_role("spinbutton", name="Smoothing").fill("0.95")
    dialog.get_by_role("button", name="Done").click()
    expect(panel).to_have_attribute("data-state", "ready")
    after = before
    for _ in range(20):  # each screenshot waits for a new frame; the redraw is client-side
        after = panel.locator("canvas").first.screenshot()
        if after != before:
            break
    assert after != before, "smoothing 0.95 should change the drawn lines"


def test_drag_zoom_refetches_the_window(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    panel = _panel(page, "train/loss")
    expect(panel).to_have_attribute("data-state", "ready")
    area = panel.locator(".u-over").first
    box = area.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2

    def zoomed(request: Any) -> bool:
        if "/history" not in request.url:
            return False
        body = request.post_data or ""
        if body:
            data = json.loads(body)
            return data.get("x_min") is not None and data.get("x_max") is not None
        return "x_min=" in request.url and "x_max=" in request.url

    with page.expect_request(zoomed) as info:
        page.mouse.move(box["x"] + box["width"] * 0.3, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=6)
        page.mouse.up()
    sent = json.loads(info.value.post_data) if info.value.post_data else {}
    if sent:
        assert 0 < sent["x_min"] < sent["x_max"] < 499, sent
    expect(panel.get_by_role("button", name="Reset zoom")).to_be_visible()
    expect(panel).to_have_attribute("data-state", "ready")
    panel.get_by_role("button", name="Reset zoom").click()
    expect(panel.get_by_role("button", name="Reset zoom")).to_have_count(0)


def _drag_zoom(page: Any, panel: Any, start: float, end: float) -> None:
    area = panel.locator(".u-over").first
    box = area.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=6)
    page.mouse.up()


def _zoom_in_url(page: Any) -> tuple[str | None, float, float] | None:
    params = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
    if "xmin" not in params or "xmax" not in params:
        return None
    return params.get("xaxis"), float(params["xmin"]), float(params["xmax"])


def test_zoom_is_in_the_url_survives_a_reload_and_reset_clears_it(
    page: Any, seeded: Seeded
) -> None:
    _open(page, seeded, "?sort=name")
    loss = _panel(page, "train/loss")
    expect(loss).to_have_attribute("data-state", "ready")
    _drag_zoom(page, loss, 0.3, 0.6)
    expect(page).to_have_url(re.compile(r"[?&]xmin=[-\d.e]+&xmax=[-\d.e]+"))
    zoom = _zoom_in_url(page)
    assert zoom is not None
    axis, low, high = zoom
    assert axis == "step"
    assert 0 < low < high < 499, zoom
    # the other query parameters stay
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    # one x range for the workspace: every panel on steps shows the same stretch
    acc = _panel(page, "train/acc")
    acc.scroll_into_view_if_needed()
    expect(acc.get_by_role("button", name="Reset zoom")).to_be_visible()

    def zoomed_request(request: Any) -> bool:
        if "/history" not in request.url or not request.post_data:
            return False
        sent = json.loads(request.post_data)
        return sent.get("x_min") == low and sent.get("x_max") == high

    with page.expect_request(zoomed_request):
        page.reload()
    loss = _panel(page, "train/loss")
    expect(loss.get_by_role("button", name="Reset zoom")).to_be_visible()
    expect(loss).to_have_attribute("data-state", "ready")
    assert _zoom_in_url(page) == zoom

    loss.get_by_role("button", name="Reset zoom").click()
    expect(page).not_to_have_url(re.compile(r"[?&]x(min|max|axis)="))
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    expect(page.get_by_role("button", name="Reset zoom")).to_have_count(0)
    page.reload()
    expect(_panel(page, "train/loss")).to_have_attribute("data-state", "ready")
    expect(page.get_by_role("button", name="Reset zoom")).to_have_count(0)


def test_layout_change_persists_after_reload(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    panel = _panel(page, "val/acc")
    size = panel.get_by_role("combobox", name="Panel size")
    original = size.input_value()
    new = "L" if original != "L" else "S"
    with page.expect_request(
        lambda r: r.method == "PUT" and r.url.endswith(f"/{seeded.project}/workspace")
    ) as saved:
        size.select_option(new)
    assert saved.value.response().ok  # type: ignore[union-attr]
    page.reload()
    expect(_panel(page, "val/acc").get_by_role("combobox", name="Panel size")).to_have_value(new)
    # put it back so other tests see the default layout
    with page.expect_request(lambda r: r.method == "PUT" and "/workspace" in r.url):
        _panel(page, "val/acc").get_by_role("combobox", name="Panel size").select_option(original)
    layout = httpx.get(
        f"{seeded.base_url}/api/v1/projects/{seeded.entity}/{seeded.project}/workspace", timeout=10
    ).json()["layout"]
    assert layout is not None


def test_workspace_in_dark_theme(page: Any, seeded: Seeded) -> None:
    _open(page, seeded)
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(_panel(page, "train/loss")).to_have_attribute("data-state", "ready")
    screenshot(page, "workspace-dark")
