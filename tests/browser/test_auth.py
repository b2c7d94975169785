"""Login on a server that requires it; API keys: create shows the key once, revoke removes it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, screenshot
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _sign_in(page: Any, username: str, password: str) -> None:
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()


def test_signed_out_visitor_is_sent_to_login_with_next(
    page: Any, auth_server: ServerProcess
) -> None:
    page.goto(auth_server.base_url + "/settings/api-keys")
    expect(page).to_have_url(
        f"{auth_server.base_url}/login?next={quote('/settings/api-keys', safe='')}"
    )
    expect(page.get_by_role("heading", name="Sign in to Cairn")).to_be_visible()
    screenshot(page, "login")


def test_wrong_password_shows_the_servers_message(page: Any, auth_server: ServerProcess) -> None:
    page.goto(auth_server.base_url + "/login")
    _sign_in(page, ADMIN_USER, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("wrong username or password")
    expect(page).to_have_url(re.compile(r"/login"))


def test_right_password_lands_on_the_next_page(page: Any, auth_server: ServerProcess) -> None:
    page.goto(auth_server.base_url + "/login?next=" + quote("/settings/api-keys", safe=""))
    _sign_in(page, ADMIN_USER, ADMIN_PASSWORD)
    expect(page).to_have_url(auth_server.base_url + "/settings/api-keys")
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    expect(page.get_by_role("button", name=f"Sign out {ADMIN_USER}")).to_be_visible()


def test_login_refuses_a_next_on_another_site(page: Any, auth_server: ServerProcess) -> None:
    page.goto(auth_server.base_url + "/login?next=" + quote("//evil.example/x", safe=""))
    _sign_in(page, ADMIN_USER, ADMIN_PASSWORD)
    expect(page).to_have_url(auth_server.base_url + "/")


def test_api_key_is_shown_once_works_and_revoking_removes_it(
    page: Any, auth_server: ServerProcess
) -> None:
    page.goto(auth_server.base_url + "/login?next=" + quote("/settings/api-keys", safe=""))
    _sign_in(page, ADMIN_USER, ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()

    name = "browser-test-laptop"
    page.get_by_label("New key name").fill(name)
    page.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("textbox", name="New API key value")
    expect(shown).to_have_value(re.compile(r".{20,}"))
    key = shown.input_value()
    row = page.get_by_role("table", name="API keys").get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(key[:12])  # the listing shows the prefix only
    screenshot(page, "api-keys")

    me = httpx.get(
        auth_server.base_url + "/api/v1/auth/me",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert me.status_code == 200
    assert me.json()["username"] == ADMIN_USER

    # shown once: gone after "Done", and not on the page after a reload
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("textbox", name="New API key value")).to_have_count(0)
    page.reload()
    expect(row).to_have_count(1)
    assert key not in page.content()

    row.get_by_role("button", name=f"Revoke key {name}").click()
    page.get_by_role("group", name=f"Confirm revoking {name}").get_by_role(
        "button", name="Yes, revoke"
    ).click()
    expect(row).to_have_count(0)
    gone = httpx.get(
        auth_server.base_url + "/api/v1/auth/me",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert gone.status_code == 401


def test_api_keys_page_on_an_open_server_explains_none_are_needed(
    page: Any, empty_server: ServerProcess
) -> None:
    page.goto(empty_server.base_url + "/settings/api-keys")
    expect(page.get_by_text("This server runs without accounts")).to_be_visible()
