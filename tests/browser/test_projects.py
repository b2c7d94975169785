"""The projects list: counts, search, empty state, opening a project."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Seeded, screenshot
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _row(page: Any, name: str) -> Any:
    table = page.get_by_role("table", name="Projects")
    return table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_projects_list_shows_projects_with_run_counts(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.base_url + "/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    vision = _row(page, f"{seeded.entity}/{seeded.project}")
    expect(vision).to_have_count(1)
    # 6 runs + the hostile run + the live run
    expect(vision.get_by_role("cell").nth(1)).to_have_text("8")
    other = _row(page, f"{seeded.entity}/{seeded.other_project}")
    expect(other.get_by_role("cell").nth(1)).to_have_text("1")
    expect(page.get_by_text("2 of 2 projects")).to_be_visible()
    screenshot(page, "projects")


def test_projects_search_narrows_the_list_and_lives_in_the_url(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.base_url + "/")
    search = page.get_by_role("searchbox", name="Search projects")
    search.fill("nlp")
    expect(page).to_have_url(re.compile(r"[?&]q=nlp"))
    table = page.get_by_role("table", name="Projects")
    expect(table.get_by_role("link")).to_have_count(1)
    expect(table.get_by_role("link")).to_contain_text(seeded.other_project)
    page.reload()
    expect(page.get_by_role("searchbox", name="Search projects")).to_have_value("nlp")
    expect(page.get_by_role("table", name="Projects").get_by_role("link")).to_have_count(1)

    page.get_by_role("searchbox", name="Search projects").fill("zzz-nothing")
    expect(page.get_by_text("No project name contains “zzz-nothing”.")).to_be_visible()


def test_opening_a_project_goes_to_its_workspace(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.base_url + "/")
    page.get_by_role("link", name=f"{seeded.entity}/{seeded.project}", exact=True).click()
    expect(page).to_have_url(f"{seeded.base_url}/{seeded.entity}/{seeded.project}")


def test_empty_server_shows_how_to_log_a_first_run(page: Any, empty_server: ServerProcess) -> None:
    page.goto(empty_server.base_url + "/")
    expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()
    expect(page.get_by_text('cairn.init(project="my-project")')).to_be_visible()
    expect(page.get_by_role("table", name="Projects")).to_have_count(0)
    screenshot(page, "projects-empty")


def test_unknown_page_says_so(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.base_url + "/a/b/c/d/e")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="See all projects").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
