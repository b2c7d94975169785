"""The panel registry seen from the browser: the run page's Media tab, and saved layouts holding a
panel type this build does not know (a layout saved by a newer build).

What these tests rely on: the run page has a ``role=tab`` "Media" selected by ``?tab=media`` that
says "No media logged for this run" when the run has none; the run page keeps its Charts tab's
layout in localStorage under ``cairn-run-charts-history``; a panel of an unknown type is a
``role=figure`` named by its key with ``data-panel-type`` its type, ``data-state="empty"`` and the
text "Unknown panel type".
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

BASELINE = "resnet-baseline"
STORAGE_KEY = "cairn-run-charts-history"


def test_media_tab_says_when_a_run_has_no_media(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(BASELINE))
    page.get_by_role("tab", name="Media").click()
    expect(page).to_have_url(re.compile(r"tab=media"))
    expect(page.get_by_role("tab", name="Media")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("No media logged for this run", exact=False)).to_be_visible()
    # the metrics are on the Charts tab, not here
    expect(page.get_by_role("figure")).to_have_count(0)


def test_a_panel_of_an_unknown_type_is_kept_and_shown_as_such(page: Any, seeded: Seeded) -> None:
    future = {
        "id": "heatmap3d:1",
        "type": "heatmap3d",
        "key": "train/attention",
        "size": "M",
        "settings": {"colormap": "magma"},
    }
    saved = {"version": 1, "panels": [future], "removed": [], "removedMedia": [], "collapsed": []}
    page.goto(seeded.run_url(BASELINE, "overview"))
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [STORAGE_KEY, json.dumps(saved)])
    page.goto(seeded.run_url(BASELINE, "charts"))

    unknown = page.get_by_role("figure", name="train/attention", exact=True)
    expect(unknown).to_have_attribute("data-panel-type", "heatmap3d")
    expect(unknown).to_have_attribute("data-state", "empty")
    expect(unknown.get_by_text("Unknown panel type", exact=False)).to_be_visible()
    # it sits in its key's section beside the generated panels, which still draw
    train = page.get_by_role("region", name="Section train")
    expect(train.get_by_role("figure", name="train/attention", exact=True)).to_have_count(1)
    loss = train.get_by_role("figure", name="train/loss", exact=True)
    loss.scroll_into_view_if_needed()
    expect(loss).to_have_attribute("data-state", "ready")

    # changing another panel saves the layout without dropping the unknown one
    loss.get_by_role("combobox", name="Panel size").select_option("L")
    expect(loss).to_have_class(re.compile(r"\bpanel-L\b"))
    stored = json.loads(page.evaluate("(k) => localStorage.getItem(k)", STORAGE_KEY))
    assert future in stored["panels"]
    assert any(p["id"] == "line:train/loss" and p["size"] == "L" for p in stored["panels"])
