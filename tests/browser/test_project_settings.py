"""The project settings page: disk use, rename, visibility, archive/restore, delete, read-only.

What these tests rely on (accessible names the page provides):
- the workspace header links to "Settings"; the page's heading is "Settings of <entity>/<name>";
- a "Disk use" table: a row per Runs, Series, Series data, Files, File data, Total, sizes with
  their exact bytes in a third cell ("1,234 bytes");
- forms "Rename project" (box "Project name"), "Project details" (select "Visibility", box
  "Description", button Save then a "Saved." status), buttons "Archive project"/"Restore
  project", form "Delete project" (box "Type the project name to confirm");
- someone who may not change the project sees a ``role=note`` with the server's reason;
- a "Members of <entity>/<name>" table (row header per username, select "Role of <u>", button
  "Remove <u>") and a form "Add to Members of <entity>/<name>" (Username, Role, "Add member").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_USER, screenshot
from tests.browser.tidy import Tidy, locked_server
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

MEMBER = "bob"
MEMBER_PASSWORD = "bob-has-a-long-password"
NEWCOMER = "cleo"


def _open(page: Any, tidy: Tidy, project: str) -> None:
    page.goto(tidy.settings_url(project))
    expect(page.get_by_role("heading", name=f"Settings of {tidy.entity}/{project}")).to_be_visible()


def test_workspace_links_to_settings_and_usage_matches_the_api(
    page: Any, tidy_server: Tidy
) -> None:
    tidy = tidy_server
    page.goto(tidy.workspace_url("settings-usage"))
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(tidy.settings_url("settings-usage"))
    usage = tidy.api(f"/projects/{tidy.entity}/settings-usage/usage").json()
    assert usage["runs"] == 2
    assert usage["files"] == 2
    assert usage["series_bytes"] > 0
    assert usage["blob_bytes"] > 0
    table = page.get_by_role("table", name="Disk use")
    expect(table).to_be_visible()

    def cells(label: str) -> Any:
        return (
            table.get_by_role("row")
            .filter(has=page.get_by_role("rowheader", name=label, exact=True))
            .get_by_role("cell")
        )

    for label, key in (("Runs", "runs"), ("Series", "series"), ("Files", "files")):
        expect(cells(label).first).to_have_text(f"{usage[key]:,}")
    total = usage["series_bytes"] + usage["blob_bytes"]
    for label, value in (
        ("Series data", usage["series_bytes"]),
        ("File data", usage["blob_bytes"]),
        ("Total", total),
    ):
        expect(cells(label).nth(1)).to_have_text(f"{value:,} bytes")
        expect(cells(label).first).to_have_text(re.compile(r"^[\d.]+ (B|KiB|MiB|GiB)$"))
    screenshot(page, "project-settings")


def test_rename_moves_the_project_to_its_new_address(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "settings-rename")
    form = page.get_by_role("form", name="Rename project")
    form.get_by_role("textbox", name="Project name").fill("renamed-project")
    form.get_by_role("button", name="Rename").click()
    expect(page).to_have_url(tidy.settings_url("renamed-project"))
    expect(
        page.get_by_role("heading", name=f"Settings of {tidy.entity}/renamed-project")
    ).to_be_visible()
    assert tidy.project("settings-rename").status_code == 404
    assert set(tidy.runs("renamed-project")) == {"sr-1"}


def test_a_taken_name_shows_the_servers_reason(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "settings-details")
    form = page.get_by_role("form", name="Rename project")
    form.get_by_role("textbox", name="Project name").fill("settings-usage")
    form.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("alert")).to_contain_text("Could not rename:")
    expect(page.get_by_role("alert")).to_contain_text("already exists")
    expect(page).to_have_url(tidy.settings_url("settings-details"))


def test_visibility_and_description_are_saved(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "settings-details")
    form = page.get_by_role("form", name="Project details")
    form.get_by_role("combobox", name="Visibility").select_option("public")
    description = "Runs for the <b>paper</b>"
    form.get_by_role("textbox", name="Description").fill(description)
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("status")).to_have_text("Saved.")
    project = tidy.project("settings-details").json()
    assert project["visibility"] == "public"
    assert project["description"] == description
    page.reload()
    form = page.get_by_role("form", name="Project details")
    expect(form.get_by_role("combobox", name="Visibility")).to_have_value("public")
    expect(form.get_by_role("textbox", name="Description")).to_have_value(description)


def test_archive_hides_the_project_until_show_archived_then_restore(
    page: Any, tidy_server: Tidy
) -> None:
    tidy = tidy_server
    name = f"{tidy.entity}/settings-archive"
    _open(page, tidy, "settings-archive")
    page.get_by_role("button", name="Archive project").click()
    expect(page.get_by_role("heading", name=re.compile("archived$"))).to_be_visible()
    assert tidy.project("settings-archive").json()["archived_at"] is not None

    page.goto(tidy.base_url + "/")
    projects = page.get_by_role("table", name="Projects")
    expect(projects.get_by_role("link", name=f"{tidy.entity}/tagging", exact=True)).to_be_visible()
    expect(projects.get_by_role("link", name=name, exact=True)).to_have_count(0)
    # the box follows the address, which changes a moment after the click
    toggle = page.get_by_role("checkbox", name="Show archived")
    toggle.click()
    expect(toggle).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]archived=1"))
    row = projects.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_contain_text("archived")

    row.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("archived")
    page.goto(tidy.settings_url("settings-archive"))
    page.get_by_role("button", name="Restore project").click()
    expect(page.get_by_role("button", name="Archive project")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Settings of {name}", exact=True)).to_be_visible()
    assert tidy.project("settings-archive").json()["archived_at"] is None


def test_delete_needs_the_project_name_typed(page: Any, tidy_server: Tidy) -> None:
    tidy = tidy_server
    _open(page, tidy, "settings-delete")
    form = page.get_by_role("form", name="Delete project")
    button = form.get_by_role("button", name="Delete project")
    expect(page.get_by_text(re.compile("its 2 runs and all their data"))).to_be_visible()
    expect(button).to_be_disabled()
    box = form.get_by_role("textbox", name="Type the project name to confirm")
    box.fill("settings-del")
    expect(button).to_be_disabled()
    assert tidy.project("settings-delete").status_code == 200
    box.fill("settings-delete")
    button.click()
    expect(page).to_have_url(tidy.base_url + "/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    assert tidy.project("settings-delete").status_code == 404


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that requires login: the admin's project `shared`, where bob is a member (and
    cleo, another user, has no role)."""
    tmp: Path = tmp_path_factory.mktemp("browser-locked")
    with locked_server(
        tmp,
        users={MEMBER: MEMBER_PASSWORD, NEWCOMER: "cleo-has-a-long-password"},
        runs=[{"project": "shared", "name": "s-1"}],
        roles={"shared": {MEMBER: "member"}},
    ) as server:
        yield server


def test_a_member_sees_the_settings_read_only_with_the_servers_reason(
    page: Any, locked: ServerProcess
) -> None:
    page.goto(f"{locked.base_url}/login?next=/{ADMIN_USER}/shared/settings")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(MEMBER)
    form.get_by_label("Password").fill(MEMBER_PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Settings of {ADMIN_USER}/shared")).to_be_visible()
    note = page.get_by_role("note")
    expect(note).to_contain_text("You can see this project but not change it")
    expect(note).to_contain_text("this needs admin")
    expect(page.get_by_role("textbox", name="Project name", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Archive project")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete project")).to_be_disabled()
    runs = (
        page.get_by_role("table", name="Disk use")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="Runs", exact=True))
    )
    expect(runs.get_by_role("cell").first).to_have_text("1")


def test_an_admin_adds_changes_and_removes_project_members(
    page: Any, locked: ServerProcess
) -> None:
    from tests.browser.conftest import ADMIN_PASSWORD

    page.goto(f"{locked.base_url}/login?next=/{ADMIN_USER}/shared/settings")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(ADMIN_USER)
    form.get_by_label("Password").fill(ADMIN_PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    label = f"Members of {ADMIN_USER}/shared"
    table = page.get_by_role("table", name=label)

    def row(username: str) -> Any:
        return table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=username, exact=True)
        )

    expect(row(MEMBER).get_by_role("combobox", name=f"Role of {MEMBER}")).to_have_value("member")
    add = page.get_by_role("form", name=f"Add to {label}")
    add.get_by_label("Username").fill(NEWCOMER)
    add.get_by_label("Role").select_option("viewer")
    add.get_by_role("button", name="Add member").click()
    role = row(NEWCOMER).get_by_role("combobox", name=f"Role of {NEWCOMER}")
    expect(role).to_have_value("viewer")
    role.select_option("member")
    expect(role).to_have_value("member")
    screenshot(page, "project-members")
    row(NEWCOMER).get_by_role("button", name=f"Remove {NEWCOMER}").click()
    expect(row(NEWCOMER)).to_have_count(0)
    add.get_by_label("Username").fill("nobody-here")
    add.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_contain_text("'nobody-here' does not exist")
