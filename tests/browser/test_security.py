"""Hostile strings render as text on every page; the CSP forbids inline scripts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import PageProblems, Seeded, new_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

XSS_RUN = seed.XSS_IMG


def _assert_inert(page: Any) -> None:
    """Nothing the hostile strings carry ran or became an element."""
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("script:not([src])")).to_have_count(0)
    expect(page.locator("[onerror]")).to_have_count(0)


def test_csp_header_forbids_inline_scripts(seeded: Seeded) -> None:
    for path in ("/", f"/{seeded.entity}/{seeded.project}", "/login", "/no/such/page/here"):
        answer = httpx.get(seeded.base_url + path, timeout=10)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        directives = {
            d.strip().split()[0]: d.strip().split()[1:] for d in policy.split(";") if d.strip()
        }
        assert directives["script-src"] == ["'self'"], policy
        assert "'unsafe-inline'" not in directives.get("default-src", []), policy
        assert "'unsafe-eval'" not in policy, policy
        assert directives["object-src"] == ["'none'"], policy
        assert directives["frame-ancestors"] == ["'none'"], policy
    # the built index.html itself has no inline script the CSP would block
    index = httpx.get(seeded.base_url + "/", timeout=10).text
    assert "<script>" not in index.replace(" ", "")
    assert 'type="module"' in index


def test_browser_refuses_an_injected_inline_script(browser: Any, seeded: Seeded) -> None:
    """An inline <script> that makes it into the DOM is blocked by the browser (CSP)."""
    problems = PageProblems()
    page = new_page(browser, problems)
    try:
        page.goto(seeded.base_url + "/")
        expect(page.get_by_role("link", name="Cairn home")).to_be_visible()
        page.evaluate(
            """() => new Promise((resolve) => {
                 document.addEventListener('securitypolicyviolation', (e) => {
                     window.__violated = e.violatedDirective; resolve();
                 }, {once: true});
                 const s = document.createElement('script');
                 s.textContent = 'window.__inline = 1';
                 document.body.appendChild(s);
               })"""
        )
        assert page.evaluate("() => window.__inline") is None
        assert page.evaluate("() => window.__violated").startswith("script-src")
        assert problems.csp, "Chromium should have reported the CSP violation on the console"
    finally:
        page.context.close()


def test_hostile_strings_render_as_text_in_the_workspace(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.workspace_url())
    table = page.get_by_role("table", name="Runs")
    expect(table.get_by_text(XSS_RUN, exact=True).first).to_be_visible()
    expect(table.get_by_text(seed.XSS_SCRIPT).first).to_be_attached()
    # the hostile metric key becomes a panel title
    expect(page.get_by_role("figure", name=XSS_RUN)).to_be_attached()
    _assert_inert(page)


def test_hostile_strings_render_as_text_on_the_run_page(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(XSS_RUN, "overview"))
    expect(page.get_by_role("heading", name=XSS_RUN)).to_be_visible()
    expect(page.get_by_text(seed.XSS_SCRIPT).first).to_be_visible()  # tag, config value, notes
    expect(page.get_by_text(f"{seed.XSS_IMG} and {seed.XSS_SCRIPT}")).to_be_visible()  # notes
    _assert_inert(page)

    alerts = page.get_by_role("region", name="Alerts")
    expect(alerts.get_by_text(XSS_RUN, exact=True)).to_be_visible()  # the alert's title
    _assert_inert(page)

    page.goto(seeded.run_url(XSS_RUN, "logs"))
    expect(page.get_by_text(f"console says {seed.XSS_IMG} {seed.XSS_SCRIPT}")).to_be_visible()
    _assert_inert(page)

    page.goto(seeded.run_url(XSS_RUN, "values"))
    values = page.get_by_role("table", name="Values of caption")
    expect(values.get_by_text(seed.XSS_SCRIPT, exact=True)).to_be_visible()
    _assert_inert(page)


def test_hostile_strings_render_as_text_in_compare(page: Any, seeded: Seeded) -> None:
    ids = f"{seeded.run_id(XSS_RUN)},{seeded.run_id('resnet-baseline')}"
    page.goto(seeded.workspace_url(f"/compare?runs={ids}"))
    expect(page.get_by_text(XSS_RUN, exact=True).first).to_be_visible()
    expect(page.get_by_text(seed.XSS_SCRIPT).first).to_be_visible()
    _assert_inert(page)
