"""Light/dark theme: the toggle switches, the choice survives a reload, the OS default is used."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems, Seeded, new_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _background(page: Any) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def test_theme_toggle_switches_and_persists(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.base_url + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    light_bg = _background(page)
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Switch to light theme")).to_be_visible()
    assert _background(page) != light_bg, "the dark theme should change the page background"
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    screenshot(page, "projects-dark")
    page.get_by_role("button", name="Switch to light theme").click()
    expect(html).to_have_attribute("data-theme", "light")
    assert _background(page) == light_bg


def test_dark_os_preference_is_the_default(browser: Any, seeded: Seeded) -> None:
    problems = PageProblems()
    page = new_page(browser, problems, color_scheme="dark")
    try:
        page.goto(seeded.base_url + "/")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    finally:
        page.context.close()
    problems.check()
