"""The compare page (side by side, differences only) and keyboard navigation of the runs table.

Compare relies on: one column per run headed by its name, one row (``role=row``) per config key
named by the key, and a "Differences only" checkbox/switch that hides rows whose values are equal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _key_row(page: Any, key: str) -> Any:
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=key, exact=True).or_(
            page.get_by_role("cell", name=key, exact=True)
        )
    )


def test_compare_side_by_side_and_differences_only(page: Any, seeded: Seeded) -> None:
    a, b = "resnet-baseline", "resnet-adam"
    page.goto(seeded.workspace_url(f"/compare?runs={seeded.run_id(a)},{seeded.run_id(b)}"))
    for name in (a, b):
        expect(
            page.get_by_role("columnheader", name=re.compile(re.escape(name))).first
        ).to_be_visible()
    lr = _key_row(page, "lr")
    batch = _key_row(page, "batch_size")
    expect(lr.first).to_be_visible()
    expect(lr.first).to_contain_text("0.1")
    expect(lr.first).to_contain_text("0.001")
    expect(batch.first).to_be_visible()  # 128 in both
    screenshot(page, "compare")

    toggle = page.get_by_role("checkbox", name=re.compile("Differences only", re.I)).or_(
        page.get_by_role("switch", name=re.compile("Differences only", re.I))
    )
    toggle.first.check()
    expect(batch).to_have_count(0)
    expect(lr.first).to_be_visible()
    expect(_key_row(page, "optimizer").first).to_be_visible()  # sgd vs adam
    toggle.first.uncheck()
    expect(batch.first).to_be_visible()


def test_compare_is_reachable_from_the_workspace_selection(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.workspace_url())
    grid = page.get_by_role("table", name="Runs")
    for name in ("resnet-baseline", "resnet-deep"):
        row = grid.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        row.get_by_role("checkbox", name=f"Select {name}").check()
    page.get_by_role("toolbar", name="Runs").get_by_role("button", name="Compare (2)").click()
    expect(page).to_have_url(re.compile(r"/compare\?runs="))
    ids = re.search(r"runs=([^&]+)", page.url).group(1)  # type: ignore[union-attr]
    assert set(re.split(r",|%2C", ids)) == {
        seeded.run_id("resnet-baseline"),
        seeded.run_id("resnet-deep"),
    }


def test_keyboard_tab_to_the_runs_table_and_enter_opens_a_run(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.workspace_url())
    grid = page.get_by_role("table", name="Runs")
    expect(grid.get_by_role("link", name="resnet-baseline", exact=True)).to_be_visible()
    page.locator("body").focus()
    # Tab through the page until a run's row has the focus (through the header controls)
    on_run = (
        "() => { const a = document.activeElement;"
        " return !!a && a.getAttribute('role') === 'row' && !!a.closest('[aria-label=Runs]')"
        " && !!a.querySelector('a[href*=\"/runs/\"]'); }"
    )
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate(on_run):
            break
    assert page.evaluate(on_run), "Tab never reached a run's row in the runs table"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(on_run), "ArrowDown should move to the next run's row"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{seeded.entity}/{seeded.project}/runs/[a-z0-9]+"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
