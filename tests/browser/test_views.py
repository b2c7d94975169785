"""Workspace layouts per user and named views shared by link, on a server that requires login.

What these tests rely on (accessible names the page provides):
- the workspace header has a button named "Views: <layout in use>" ("My layout", "Project
  default" or the open view's name, "(edited)" once changed) opening a dialog "Views";
- the dialog lists "My layout" and the project's views as buttons (the open one aria-current),
  and has "Save as view…" (a form with box "View name" and "Save"), "Update view", "Rename",
  "Delete" (then "Delete" again to confirm), "Copy link" (then a box "View link"), "Set as
  project default" and "Reset to project default"; failures are a ``role=alert`` with the
  server's message, successes a ``role=status``;
- a ``?view=`` that names no view shows a ``role=alert`` saying the view does not exist;
- the only panel (``train/loss``) has a "Panel size" select (S, M, L).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    WAIT_MS,
    PageProblems,
    new_page,
    screenshot,
)
from tests.browser.tidy import locked_server
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PASSWORD = "a-long-enough-password"
# user -> role on both projects
USERS = {"alice": "member", "bob": "member", "carol": "viewer"}
LAYOUTS = "layouts"
VIEWS = "viewing"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that requires login: the admin's projects `layouts` and `viewing` with one run
    each; alice and bob are members, carol a viewer."""
    tmp: Path = tmp_path_factory.mktemp("browser-views")
    with locked_server(
        tmp,
        users=dict.fromkeys(USERS, PASSWORD),
        runs=[{"project": LAYOUTS, "name": "l-1"}, {"project": VIEWS, "name": "v-1"}],
        roles={LAYOUTS: USERS, VIEWS: USERS},
    ) as server:
        yield server


@pytest.fixture
def pages(browser: Any) -> Iterator[dict[str, Any]]:
    """A page per user, each in its own browser context (own cookies); the test fails if any
    of them threw or violated the CSP."""
    expect.set_options(timeout=WAIT_MS)
    problems = PageProblems()
    opened = {user: new_page(browser, problems) for user in [ADMIN_USER, *USERS]}
    try:
        yield opened
    finally:
        for page in opened.values():
            page.context.close()
    problems.check()


def _workspace(server: ServerProcess, project: str, query: str = "") -> str:
    return f"{server.base_url}/{ADMIN_USER}/{project}{query}"


def _sign_in(page: Any, server: ServerProcess, user: str, project: str, query: str = "") -> None:
    """Sign in on the login page and land on the project's workspace."""
    password = ADMIN_PASSWORD if user == ADMIN_USER else PASSWORD
    page.goto(f"{server.base_url}/login?next=/{ADMIN_USER}/{project}{query}")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(user)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(_size(page)).to_be_visible()


def _size(page: Any) -> Any:
    return page.get_by_role("figure", name="train/loss", exact=True).get_by_role(
        "combobox", name="Panel size"
    )


def _views_button(page: Any) -> Any:
    return page.get_by_role("button", name=re.compile(r"^Views: "))


def _menu(page: Any) -> Any:
    """The Views dialog, opened if it is not."""
    dialog = page.get_by_role("dialog", name="Views")
    if not dialog.is_visible():
        _views_button(page).click()
    expect(dialog).to_be_visible()
    return dialog


def _in_use(page: Any, label: str) -> None:
    expect(_views_button(page)).to_have_accessible_name(f"Views: {label}")


def _saving_own_layout(page: Any, project: str) -> Any:
    return page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith(f"/{project}/workspace")
    )


def _resize_and_save(page: Any, project: str, size: str) -> None:
    """Pick a panel size and wait until it is saved as the user's own layout."""
    with _saving_own_layout(page, project) as saved:
        _size(page).select_option(size)
    assert saved.value.ok, saved.value.text()


def test_each_user_keeps_their_own_layout_and_others_see_the_default(
    pages: dict[str, Any], server: ServerProcess
) -> None:
    admin, alice, bob, carol = (pages[u] for u in (ADMIN_USER, "alice", "bob", "carol"))
    _sign_in(admin, server, ADMIN_USER, LAYOUTS)
    _in_use(admin, "Project default")
    expect(_size(admin)).to_have_value("M")
    _resize_and_save(admin, LAYOUTS, "S")
    _in_use(admin, "My layout")
    _menu(admin).get_by_role("button", name="Set as project default").click()
    expect(_menu(admin).get_by_role("status")).to_have_text(
        "This layout is now the project's default."
    )

    _sign_in(alice, server, "alice", LAYOUTS)
    _in_use(alice, "Project default")
    expect(_size(alice)).to_have_value("S")
    expect(_menu(alice).get_by_role("button", name="Reset to project default")).to_have_count(0)
    _resize_and_save(alice, LAYOUTS, "L")
    _in_use(alice, "My layout")

    _sign_in(bob, server, "bob", LAYOUTS)
    expect(_size(bob)).to_have_value("S")
    _resize_and_save(bob, LAYOUTS, "M")

    for page, size in ((alice, "L"), (bob, "M"), (admin, "S")):
        page.reload()
        expect(_size(page)).to_have_value(size)
        _in_use(page, "My layout")

    _sign_in(carol, server, "carol", LAYOUTS)
    _in_use(carol, "Project default")
    expect(_size(carol)).to_have_value("S")

    _menu(alice).get_by_role("button", name="Reset to project default").click()
    expect(_size(alice)).to_have_value("S")
    _in_use(alice, "Project default")
    alice.reload()
    expect(_size(alice)).to_have_value("S")
    _in_use(alice, "Project default")
    # bob's layout did not move
    bob.reload()
    expect(_size(bob)).to_have_value("M")


def test_a_named_view_is_shared_by_link_updated_renamed_and_deleted(
    pages: dict[str, Any], server: ServerProcess
) -> None:
    alice, carol = pages["alice"], pages["carol"]
    _sign_in(alice, server, "alice", VIEWS)
    _resize_and_save(alice, VIEWS, "L")

    menu = _menu(alice)
    menu.get_by_role("button", name="Save as view…").click()
    form = menu.get_by_role("form", name="Save as view")
    form.get_by_role("textbox", name="View name").fill("Big loss")
    form.get_by_role("button", name="Save").click()
    expect(alice).to_have_url(re.compile(r"[?&]view=[0-9a-z]+"))
    _in_use(alice, "Big loss")
    view_id = re.search(r"[?&]view=([0-9a-z]+)", alice.url).group(1)  # type: ignore[union-attr]

    # a second view of the same name is refused with the server's reason
    menu.get_by_role("button", name="Save as view…").click()
    form.get_by_role("textbox", name="View name").fill("Big loss")
    form.get_by_role("button", name="Save").click()
    expect(menu.get_by_role("alert")).to_contain_text("already has a view named")
    menu.get_by_role("button", name="Cancel").click()

    menu.get_by_role("button", name="Copy link").click()
    link = menu.get_by_role("textbox", name="View link").input_value()
    assert link == _workspace(server, VIEWS, f"?view={view_id}")
    expect(menu.get_by_role("button", name="Big loss")).to_have_attribute("aria-current", "true")
    screenshot(alice, "workspace-views")

    # carol may read the project: the link shows the view, but she cannot save views
    _sign_in(carol, server, "carol", VIEWS, f"?view={view_id}")
    expect(carol).to_have_url(link)
    _in_use(carol, "Big loss")
    expect(_size(carol)).to_have_value("L")
    menu_c = _menu(carol)
    menu_c.get_by_role("button", name="Save as view…").click()
    menu_c.get_by_role("textbox", name="View name").fill("Carol's")
    menu_c.get_by_role("button", name="Save").click()
    expect(menu_c.get_by_role("alert")).to_contain_text("this needs member")
    expect(carol).to_have_url(link)

    # alice changes the open view: nothing is saved until "Update view"
    alice.keyboard.press("Escape")
    expect(alice.get_by_role("dialog", name="Views")).to_have_count(0)
    _size(alice).select_option("S")
    _in_use(alice, "Big loss (edited)")
    carol.reload()
    expect(_size(carol)).to_have_value("L")
    _menu(alice).get_by_role("button", name="Update view").click()
    expect(_menu(alice).get_by_role("status")).to_have_text("Saved into “Big loss”.")
    _in_use(alice, "Big loss")
    carol.reload()
    expect(_size(carol)).to_have_value("S")

    menu = _menu(alice)
    menu.get_by_role("button", name="Rename").click()
    menu.get_by_role("textbox", name="View name").fill("Small loss")
    menu.get_by_role("form", name="Rename view").get_by_role("button", name="Rename").click()
    _in_use(alice, "Small loss")
    expect(menu.get_by_role("button", name="Small loss")).to_be_visible()
    expect(menu.get_by_role("button", name="Big loss")).to_have_count(0)

    # leaving the view shows alice's own layout, which the view's changes did not touch
    menu.get_by_role("button", name="My layout").click()
    expect(alice).not_to_have_url(re.compile(r"[?&]view="))
    _in_use(alice, "My layout")
    expect(_size(alice)).to_have_value("L")
    _menu(alice).get_by_role("button", name="Small loss").click()
    expect(alice).to_have_url(re.compile(rf"[?&]view={view_id}"))
    expect(_size(alice)).to_have_value("S")

    menu = _menu(alice)
    menu.get_by_role("button", name="Delete").click()
    menu.get_by_role("group", name="Delete view").get_by_role("button", name="Delete").click()
    expect(alice).not_to_have_url(re.compile(r"[?&]view="))
    _in_use(alice, "My layout")
    expect(_size(alice)).to_have_value("L")
    expect(_menu(alice).get_by_role("button", name="Small loss")).to_have_count(0)

    carol.reload()
    expect(carol.get_by_role("alert")).to_contain_text(f"The view “{view_id}” does not exist")
    _in_use(carol, "Project default")
    expect(_size(carol)).to_have_value("M")
    carol.get_by_role("button", name="Back to my layout").click()
    expect(carol).not_to_have_url(re.compile(r"[?&]view="))
    expect(carol.get_by_role("alert")).to_have_count(0)
