"""The Admin page (create, disable, reset, unlock a user) and changing your own password.

What these tests rely on (accessible names the pages provide):
- top bar links "Admin" (admins) and "Account";
- the Admin page: form "Create a user" (boxes Username, Password, button "Create user"), table
  "Users" with a row header per username and buttons "Disable <u>", "Enable <u>", "Reset the
  password of <u>", "Unlock <u>"; a reset shows box "New password value" once;
- the Account page: form "Change password" (Current password, New password, New password again)
  and a ``role=status`` line once changed; a ``role=note`` when an admin reset the password.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, screenshot
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _sign_in(page: Any, server: ServerProcess, username: str, password: str) -> None:
    page.goto(server.base_url + "/login")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()


def _login_status(server: ServerProcess, username: str, password: str) -> int:
    return httpx.post(
        server.base_url + "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": "192.0.2.50"},
        timeout=30,
    ).status_code


def _row(page: Any, username: str) -> Any:
    users = page.get_by_role("table", name="Users")
    return users.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=username, exact=True)
    )


def test_admin_creates_disables_enables_and_resets_a_user(
    page: Any, auth_server: ServerProcess
) -> None:
    _sign_in(page, auth_server, ADMIN_USER, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()

    form = page.get_by_role("form", name="Create a user")
    form.get_by_label("Username").fill("dora")
    form.get_by_label("Password").fill("dora-first-password")
    form.get_by_role("button", name="Create user").click()
    row = _row(page, "dora")
    expect(row).to_contain_text("must change password")
    assert _login_status(auth_server, "dora", "dora-first-password") == 200

    row.get_by_role("button", name="Disable dora").click()
    expect(row).to_contain_text("disabled")
    assert _login_status(auth_server, "dora", "dora-first-password") == 403
    row.get_by_role("button", name="Enable dora").click()
    expect(row.get_by_role("button", name="Disable dora")).to_be_visible()
    assert _login_status(auth_server, "dora", "dora-first-password") == 200

    row.get_by_role("button", name="Reset the password of dora").click()
    page.get_by_role("form", name="Reset the password of dora").get_by_role(
        "button", name="Reset"
    ).click()
    shown = page.get_by_role("textbox", name="New password value")
    expect(shown).to_have_value(re.compile(r".{12,}"))
    new_password = shown.input_value()
    screenshot(page, "admin")
    assert _login_status(auth_server, "dora", "dora-first-password") == 401
    assert _login_status(auth_server, "dora", new_password) == 200
    page.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)
    # the admin cannot disable themselves: no such button on their own row
    expect(
        _row(page, ADMIN_USER).get_by_role("button", name=f"Disable {ADMIN_USER}")
    ).to_have_count(0)


def test_admin_sees_a_locked_account_and_unlocks_it(page: Any, auth_server: ServerProcess) -> None:
    admin = httpx.Client(base_url=auth_server.base_url, timeout=30)
    signed = admin.post(
        "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
    )
    admin.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    created = admin.post("/api/v1/users", json={"username": "ezra", "password": "ezra-password"})
    assert created.status_code == 201, created.text
    statuses = [_login_status(auth_server, "ezra", f"wrong-{i}") for i in range(6)]
    assert statuses[-1] == 429

    _sign_in(page, auth_server, ADMIN_USER, ADMIN_PASSWORD)
    page.goto(auth_server.base_url + "/admin")
    row = _row(page, "ezra")
    expect(row).to_contain_text("locked until")
    row.get_by_role("button", name="Unlock ezra").click()
    expect(row).to_contain_text("active")
    assert _login_status(auth_server, "ezra", "ezra-password") == 200


def test_a_reset_user_must_change_their_password_first(
    page: Any, auth_server: ServerProcess
) -> None:
    admin = httpx.Client(base_url=auth_server.base_url, timeout=30)
    signed = admin.post(
        "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
    )
    admin.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    created = admin.post(
        "/api/v1/users",
        json={"username": "finn", "password": "temporary-pass", "must_change_password": True},
    )
    assert created.status_code == 201, created.text

    _sign_in(page, auth_server, "finn", "temporary-pass")
    expect(page).to_have_url(auth_server.base_url + "/settings/account")
    expect(page.get_by_role("note")).to_contain_text("An admin reset your password")
    form = page.get_by_role("form", name="Change password")
    form.get_by_label("Current password").fill("temporary-pass")
    form.get_by_label("New password", exact=True).fill("finn-chose-this")
    form.get_by_label("New password again").fill("finn-chose-this")
    screenshot(page, "account")
    form.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    expect(page.get_by_role("note")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page).to_have_url(auth_server.base_url + "/")
    assert _login_status(auth_server, "finn", "temporary-pass") == 401
    assert _login_status(auth_server, "finn", "finn-chose-this") == 200
