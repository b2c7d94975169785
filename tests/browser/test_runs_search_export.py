"""The runs table's search box and its CSV export.

What these tests rely on (accessible names the page provides):
- a search box named "Search runs by name" that, after a pause in typing, puts a
  ``name contains "..."`` clause into the filter (the "Filter runs" combobox and ``?q=``);
- an "Export CSV" button that downloads the matching runs with the table's visible columns.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

RESNETS = ["resnet-adam", "resnet-baseline", "resnet-deep"]


def _grid(page: Any) -> Any:
    return page.get_by_role("table", name="Runs")


def _names(page: Any) -> list[str]:
    texts: list[str] = _grid(page).get_by_role("link").all_inner_texts()
    return sorted(t.strip() for t in texts if t.strip())


def _open(page: Any, seeded: Seeded, query: str = "") -> None:
    page.goto(seeded.workspace_url(query))
    expect(_grid(page).get_by_role("link", name="resnet-baseline", exact=True)).to_be_visible()


def test_typing_a_part_of_a_name_narrows_the_runs_and_lives_in_the_url(
    page: Any, seeded: Seeded
) -> None:
    _open(page, seeded)
    search = page.get_by_role("searchbox", name="Search runs by name")
    search.press_sequentially("RESNET", delay=20)  # case does not matter
    expect(_grid(page).get_by_role("link")).to_have_count(3)
    assert _names(page) == RESNETS
    expect(page.get_by_role("combobox", name="Filter runs")).to_have_value('name contains "RESNET"')
    expect(page).to_have_url(re.compile(r"[?&]q=name\+contains"))

    # a typed filter keeps the search clause; the box follows the URL after a reload
    page.get_by_role("combobox", name="Filter runs").fill(
        'config.optimizer = adam and name contains "RESNET"'
    )
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(_grid(page).get_by_role("link")).to_have_count(2)
    page.reload()
    expect(search).to_have_value("RESNET")
    search.fill("deep")
    expect(page.get_by_role("combobox", name="Filter runs")).to_have_value(
        'config.optimizer = adam and name contains "deep"'
    )
    expect(_grid(page).get_by_role("link")).to_have_count(1)

    search.fill("")
    expect(page.get_by_role("combobox", name="Filter runs")).to_have_value(
        "config.optimizer = adam"
    )


def test_export_csv_has_the_visible_columns_of_every_matching_run(
    page: Any, seeded: Seeded, tmp_path: Path
) -> None:
    _open(page, seeded, "?sort=-name")
    page.get_by_role("searchbox", name="Search runs by name").fill("resnet")
    expect(_grid(page).get_by_role("link")).to_have_count(3)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename == f"{seeded.entity}-{seeded.project}-runs.csv"
    path = tmp_path / "runs.csv"
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    assert header[:5] == ["name", "state", "created_at", "duration", "tags"]
    assert any(c.startswith("summary.") for c in header)
    assert any(c.startswith("config.") for c in header)
    assert [r[0] for r in rows[1:]] == sorted(RESNETS, reverse=True)  # the table's order
    assert {r[1] for r in rows[1:]} == {"finished"}
