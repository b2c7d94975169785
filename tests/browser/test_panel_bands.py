"""A line panel's band: switching a single run's bucketed line to ±1 std.

Relies on what test_workspace.py relies on (panels are ``role=figure`` named by their metric,
``data-state="ready"`` once drawn, ``data-mode`` what the server answered), plus: the panel's
"Panel size" combobox, its "Panel settings" button opening a dialog "Settings for <metric>" with
a "Band" combobox (options min/max, ±1 std, off) and a "Done" button.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

METRIC = "train/acc"


def _panel(page: Any) -> Any:
    return page.get_by_role("figure", name=METRIC, exact=True)


def _set_band(page: Any, band: str) -> None:
    _panel(page).get_by_role("button", name="Panel settings").click()
    dialog = page.get_by_role("dialog", name=f"Settings for {METRIC}")
    dialog.get_by_role("combobox", name="Band").select_option(band)
    dialog.get_by_role("button", name="Done").click()


def _asks_std(request: Any) -> bool:
    if "/history" not in request.url or request.method != "POST":
        return False
    return "std" in (json.loads(request.post_data or "{}").get("columns") or [])


def _bucketed_arrays(body: bytes) -> list[list[str]]:
    """The array names of each bucketed window of a columnar answer (exact ones carry no std)."""
    (length,) = struct.unpack("<I", body[4:8])
    series = json.loads(body[8 : 8 + length])["series"]
    return [s["arrays"] for s in series if s["mode"] == "buckets"]


def test_switching_a_single_run_band_to_std_asks_for_std_and_draws(
    page: Any, seeded: Seeded
) -> None:
    page.goto(seeded.workspace_url())
    panel = _panel(page)
    expect(panel).to_have_attribute("data-state", "ready")
    size = panel.get_by_role("combobox", name="Panel size")
    original_size = size.input_value()
    # A small panel asks fewer buckets than the 500 steps logged: a bucketed window, banded.
    size.select_option("S")
    expect(panel).to_have_attribute("data-mode", "buckets")
    expect(panel).to_have_attribute("data-state", "ready")
    before = panel.locator("canvas").first.screenshot()
    try:
        with page.expect_request(_asks_std) as asked:
            _set_band(page, "std")
        answer = asked.value.response()
        assert answer is not None
        assert answer.ok
        bucketed = _bucketed_arrays(answer.body())
        assert bucketed
        assert all("std" in arrays for arrays in bucketed), bucketed
        expect(panel).to_have_attribute("data-state", "ready")
        after = before
        for _ in range(20):  # each screenshot waits for a new frame; the redraw is client-side
            after = panel.locator("canvas").first.screenshot()
            if after != before:
                break
        assert after != before, "a ±std band should not draw like the min/max band"
    finally:
        # the seeded server is shared by the session: put the panel back as it was
        _set_band(page, "minmax")
        with page.expect_request(lambda r: r.method == "PUT" and "/workspace" in r.url):
            _panel(page).get_by_role("combobox", name="Panel size").select_option(original_size)
