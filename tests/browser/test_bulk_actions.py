"""Bulk actions on selected runs in the workspace, and archiving one run from its page.

What these tests rely on (accessible names the page provides):
- each run row has a checkbox named ``Select <run name>``;
- with runs selected, a ``role=toolbar`` named "Bulk actions" says "N runs selected" and holds
  Tag…, Untag…, Move to project…, Archive, Restore (when archived runs are shown) and Delete…;
- Tag…/Untag…/Move open a form with a "Tags" or "Target project" box; the outcome is a
  ``role=status`` sentence, a server refusal a ``role=alert`` in the bar;
- Delete… opens a ``role=alertdialog`` named "Delete runs";
- "Show archived" is a checkbox in the runs toolbar (``?archived=1``); archived rows say "archived".
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.tidy import Tidy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _grid(page: Any) -> Any:
    return page.get_by_role("table", name="Runs")


def _row(page: Any, name: str) -> Any:
    return (
        _grid(page).get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
    )


def _bar(page: Any) -> Any:
    return page.get_by_role("toolbar", name="Bulk actions")


def _open(page: Any, tidy: Tidy, project: str, first_run: str, query: str = "") -> None:
    page.goto(tidy.workspace_url(project, query))
    expect(_grid(page).get_by_role("link", name=first_run, exact=True)).to_be_visible()


def _select(page: Any, *names: str) -> None:
    for name in names:
        page.get_by_role("checkbox", name=f"Select {name}", exact=True).check()
    expect(_bar(page)).to_contain_text(
        f"{len(names)} {'run' if len(names) == 1 else 'runs'} selected"
    )


def test_bulk_tag_then_untag(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    # the table shows a Tags column, to see it refresh
    httpx.put(
        f"{tidy.base_url}/api/v1/projects/{tidy.entity}/tagging/workspace",
        json={"layout": {"table": {"columns": ["tags"]}}},
        timeout=10,
    ).raise_for_status()
    _open(page, tidy, "tagging", "t-a")
    _select(page, "t-b", "t-c")
    _bar(page).get_by_role("button", name="Tag…", exact=True).click()
    form = _bar(page).get_by_role("form", name="Add tags to 2 runs")
    form.get_by_label("Tags", exact=True).fill("sweep-1, best, ")
    form.get_by_role("button", name="Add tags").click()
    expect(
        page.get_by_role("status").filter(has_text="Tagged 2 runs with sweep-1, best.")
    ).to_be_visible()
    expect(_row(page, "t-b")).to_contain_text("sweep-1, best")
    runs = tidy.runs("tagging")
    assert runs["t-b"]["tags"] == ["sweep-1", "best"]
    assert runs["t-c"]["tags"] == ["sweep-1", "best"]
    assert runs["t-a"]["tags"] == ["keep"]
    # tagging keeps the selection: untag the same runs
    expect(page.get_by_role("checkbox", name="Select t-b", exact=True)).to_be_checked()
    _bar(page).get_by_role("button", name="Untag…", exact=True).click()
    form = _bar(page).get_by_role("form", name="Remove tags from 2 runs")
    form.get_by_label("Tags", exact=True).fill("best")
    form.get_by_role("button", name="Remove tags").click()
    expect(page.get_by_role("status").filter(has_text="Removed best from 2 runs.")).to_be_visible()
    expect(_row(page, "t-c").get_by_role("cell", name="sweep-1", exact=True)).to_be_visible()
    runs = tidy.runs("tagging")
    assert runs["t-b"]["tags"] == ["sweep-1"]
    assert runs["t-c"]["tags"] == ["sweep-1"]
    assert runs["t-a"]["tags"] == ["keep"]


def test_bulk_archive_then_show_archived_then_restore(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "archiving", "a-1")
    _select(page, "a-1", "a-2")
    screenshot(page, "workspace-bulk-bar")
    _bar(page).get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Archived 2 runs.")).to_be_visible()
    expect(_row(page, "a-1")).to_have_count(0)
    expect(_row(page, "a-2")).to_have_count(0)
    expect(_row(page, "a-3")).to_have_count(1)
    expect(_bar(page)).to_have_count(0)  # the selection went with the runs
    runs = tidy.runs("archiving")
    assert runs["a-1"]["archived_at"] is not None
    assert runs["a-3"]["archived_at"] is None

    # the box follows the address, which changes a moment after the click
    toggle = page.get_by_role("checkbox", name="Show archived")
    toggle.click()
    expect(toggle).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]archived=1"))
    expect(_row(page, "a-1")).to_contain_text("archived")
    expect(_row(page, "a-3")).not_to_contain_text("archived")
    page.reload()
    expect(_row(page, "a-2")).to_contain_text("archived")

    _select(page, "a-1", "a-2")
    _bar(page).get_by_role("button", name="Restore", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Restored 2 runs.")).to_be_visible()
    expect(_row(page, "a-1")).not_to_contain_text("archived")
    # the box follows the address, which changes a moment after the click
    toggle = page.get_by_role("checkbox", name="Show archived")
    toggle.click()
    expect(toggle).not_to_be_checked()
    expect(_row(page, "a-1")).to_have_count(1)
    expect(_row(page, "a-2")).to_have_count(1)
    assert all(run["archived_at"] is None for run in tidy.runs("archiving").values())


def test_bulk_move_to_another_project(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "moving", "m-1")
    _select(page, "m-1")
    _bar(page).get_by_role("button", name="Move to project…").click()
    form = _bar(page).get_by_role("form", name=re.compile("^Move 1 run to another project"))
    form.get_by_label("Target project", exact=True).fill("moving-target")
    form.get_by_role("button", name="Move", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="Moved 1 run to moving-target.")
    ).to_be_visible()
    expect(_row(page, "m-1")).to_have_count(0)
    expect(_row(page, "m-2")).to_have_count(1)
    assert set(tidy.runs("moving")) == {"m-2"}
    assert set(tidy.runs("moving-target")) == {"mt-1", "m-1"}
    _open(page, tidy, "moving-target", "m-1")


def test_bulk_delete_asks_first_and_cancel_keeps_the_runs(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "deleting", "d-1")
    _select(page, "d-1", "d-2")
    _bar(page).get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("alertdialog", name="Delete runs")
    expect(dialog).to_contain_text("Delete 2 runs and all their data? This cannot be undone.")
    screenshot(page, "workspace-bulk-delete")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(_row(page, "d-1")).to_have_count(1)
    assert set(tidy.runs("deleting")) == {"d-1", "d-2", "d-3"}

    _bar(page).get_by_role("button", name="Delete…").click()
    page.get_by_role("alertdialog", name="Delete runs").get_by_role(
        "button", name="Delete 2 runs"
    ).click()
    expect(page.get_by_role("status").filter(has_text="Deleted 2 runs.")).to_be_visible()
    expect(_row(page, "d-1")).to_have_count(0)
    expect(_row(page, "d-2")).to_have_count(0)
    expect(_row(page, "d-3")).to_have_count(1)
    assert set(tidy.runs("deleting")) == {"d-3"}


def test_a_refused_move_shows_the_servers_reason_and_changes_nothing(
    page: Any, tidy_server: Tidy
) -> None:
    tidy = tidy_server
    _open(page, tidy, "colliding", "c-dup")
    _select(page, "c-dup", "c-ok")
    _bar(page).get_by_role("button", name="Move to project…").click()
    form = _bar(page).get_by_role("form", name=re.compile("^Move 2 runs"))
    form.get_by_label("Target project", exact=True).fill("collide-target")
    form.get_by_role("button", name="Move", exact=True).click()
    alert = _bar(page).get_by_role("alert")
    expect(alert).to_contain_text("Could not move the runs:")
    expect(alert).to_contain_text("dup-1")
    # all or nothing: both runs stay, still selected for another try
    expect(_row(page, "c-ok")).to_have_count(1)
    expect(_bar(page)).to_contain_text("2 runs selected")
    assert set(tidy.runs("colliding")) == {"c-dup", "c-ok"}
    assert set(tidy.runs("collide-target")) == {"ct-dup"}


def test_run_page_archives_and_restores_one_run(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    run_id = tidy.runs("runpage")["r-1"]["id"]
    page.goto(f"{tidy.base_url}/{tidy.entity}/runpage/runs/{run_id}")
    header = page.locator(".run-header")
    expect(header.get_by_role("heading", name="r-1")).to_be_visible()
    expect(header).not_to_contain_text("Archived")
    page.get_by_role("button", name="Archive run").click()
    expect(header.get_by_text("Archived", exact=True)).to_be_visible()
    assert tidy.runs("runpage")["r-1"]["archived_at"] is not None
    # archived runs leave the listing but stay readable by their path
    listed = tidy.api(f"/projects/{tidy.entity}/runpage/runs").json()["runs"]
    assert listed == []
    page.get_by_role("button", name="Restore run").click()
    expect(header.get_by_text("Archived", exact=True)).to_have_count(0)
    assert tidy.runs("runpage")["r-1"]["archived_at"] is None
