"""The registry and automation pages in a browser against real servers filled through the real
HTTP API: the top bar's Registry link, the models list, a model's versions (sources linked to
their artifact pages), moving ``production`` and seeing it in the audit trail, an automation made
in the form whose webhook reaches a real local receiver (status 200 in its delivery log), a team
viewer who sees no controls and a source they cannot read shown as hidden, and hostile text
(description, tags) shown as text.

What these tests rely on: tables "Registered models" (rows ``data-model``), "Versions of the
model" (rows ``data-version``), "Changes of the model" (rows ``data-action``) and "Deliveries of
<name>" (rows ``data-state``); regions "Aliases", "Details" and "Automation <name>"; the forms
"Move an alias" and "New automation".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed_artifacts as seed
from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, screenshot, screenshot_of
from tests.browser.tidy import locked_server
from tests.receiver import Receiver, receiver
from tests.serverproc import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ENTITY, PROJECT, MODEL = "tester", "registry-ui", "classifier"
XSS_TAG = '<img src=x onerror="window.__xss=1">'


def link(client: httpx.Client, entity: str, source: str, aliases: list[str]) -> None:
    answer = client.post(
        f"/api/v1/registry/{entity}/{MODEL}/versions", json={"artifact": source, "aliases": aliases}
    )
    assert answer.status_code in (200, 201), answer.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Receiver]]:
    """An open server that may call loopback webhooks: ``classifier`` v0 (``production``) and v1
    (``staging``) linked from ``checkpoint`` v0 and v1, with a hostile description and tag; and
    a receiver answering 200."""
    tmp = tmp_path_factory.mktemp("browser-registry")
    server = start_server(
        tmp / "server",
        extra_args=["--allow-private-webhooks"],
        env={"CAIRN_SERVER_WEBHOOK_POLL_S": "0.1"},
    )
    try:
        with receiver() as hook, httpx.Client(base_url=server.base_url, timeout=30) as client:
            seed.fill_small(client, ENTITY, PROJECT)
            link(client, ENTITY, f"{ENTITY}/{PROJECT}/checkpoint:v0", ["production"])
            link(client, ENTITY, f"{ENTITY}/{PROJECT}/checkpoint:v1", ["staging"])
            edited = client.patch(
                f"/api/v1/registry/{ENTITY}/{MODEL}",
                json={"description": seed.XSS_SCRIPT, "tags": ["vision", XSS_TAG]},
            )
            assert edited.status_code == 200, edited.text
            yield server, hook
    finally:
        server.stop()


def no_xss(page: Any) -> None:
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator("img[src='x']")).to_have_count(0)


def test_list_model_move_production_and_the_webhook_delivery(
    page: Any, served: tuple[ServerProcess, Receiver]
) -> None:
    server, hook = served
    page.goto(f"{server.base_url}/{ENTITY}/{PROJECT}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registry").click()
    expect(page.get_by_role("heading", name="Model registry")).to_be_visible()
    row = page.get_by_role("table", name="Registered models").locator(f"tr[data-model='{MODEL}']")
    expect(row).to_contain_text("production → v0")
    expect(row).to_contain_text("staging → v1")
    expect(row).to_contain_text(XSS_TAG)
    expect(row).to_contain_text(seed.XSS_SCRIPT)
    no_xss(page)
    screenshot(page, "registry-list")

    # an automation made in the form, watching production of this model
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="automations"
    ).click()
    expect(page.get_by_role("heading", name="Automations")).to_be_visible()
    page.get_by_text("New automation").click()
    form = page.get_by_role("form", name="New automation")
    form.get_by_label("Name").fill("deploy")
    form.get_by_label("Event").select_option("alias_moved")
    form.get_by_label("Model (optional)").fill(MODEL)
    form.get_by_label("Alias (optional)").fill("production")
    form.get_by_label("Webhook URL").fill(f"{hook.url}/deploy")
    form.get_by_label("Signing secret").fill("hook-secret-never-shown")
    form.get_by_role("button", name="Create automation").click()
    card = page.get_by_role("region", name="Automation deploy")
    expect(card).to_contain_text("model=classifier, alias=production")
    expect(card).to_contain_text("set")
    expect(card.get_by_text("Nothing sent yet.")).to_be_visible()
    expect(page.get_by_text("hook-secret-never-shown")).to_have_count(0)

    # move production onto v1 on the model page
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="registry").click()
    page.get_by_role("link", name=MODEL).click()
    expect(page.get_by_role("heading", name=MODEL)).to_be_visible()
    versions = page.get_by_role("table", name="Versions of the model")
    v0 = versions.locator("tr[data-version='v0']")
    expect(v0).to_contain_text("production")
    source = v0.get_by_role("link", name=f"{ENTITY}/{PROJECT}/checkpoint:v0")
    expect(source).to_have_attribute("href", f"/{ENTITY}/{PROJECT}/artifacts/checkpoint/v0")
    expect(versions.locator("tr[data-version='v1']")).to_contain_text("staging")
    aliases = page.get_by_role("region", name="Aliases")
    move = aliases.get_by_role("form", name="Move an alias")
    # the server's names are refused before asking it
    move.get_by_label("Alias").fill("latest")
    move.get_by_role("button", name="Move alias").click()
    expect(aliases.get_by_role("alert")).to_contain_text("kept by the server")
    move.get_by_label("Alias").fill("production")
    move.get_by_label("Version").select_option("v1")
    move.get_by_role("button", name="Move alias").click()
    expect(aliases.locator("li[data-alias='production']")).to_contain_text("production → v1")
    expect(versions.locator("tr[data-version='v1']")).to_contain_text("production")
    expect(v0).not_to_contain_text("production")
    trail = page.get_by_role("table", name="Changes of the model")
    expect(trail.locator("tr[data-action='alias_moved']").last).to_contain_text(
        "moved production to v1 (from v0)"
    )
    no_xss(page)
    screenshot(page, "registry-model", full_page=True)

    # the move fired the webhook; its delivery shows up in the log by itself
    (delivered,) = hook.wait_for(1)
    assert json.loads(delivered.body)["data"]["alias"] == "production"
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="registry").click()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="automations"
    ).click()
    log = page.get_by_role("table", name="Deliveries of deploy")
    done = log.locator("tr[data-state='delivered']")
    expect(done).to_have_count(1)
    expect(done).to_contain_text("alias_moved")
    expect(done).to_contain_text("200")
    expect(done).to_contain_text("answer 200")
    # a test event, sent on demand, is logged too (the log refreshes while it is pending)
    page.get_by_role("region", name="Automation deploy").get_by_role(
        "button", name="Send test"
    ).click()
    expect(log.locator("tr[data-state='delivered']")).to_have_count(2)
    expect(log.locator("tr[data-state='delivered']").first).to_contain_text("test")
    screenshot_of(page.get_by_role("region", name="Automation deploy"), "automation-deliveries")
    expect(page.get_by_text("hook-secret-never-shown")).to_have_count(0)


def test_details_edit_keeps_hostile_text_as_text(
    page: Any, served: tuple[ServerProcess, Receiver]
) -> None:
    server, _ = served
    page.goto(f"{server.base_url}/registry/{ENTITY}/{MODEL}")
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text(seed.XSS_SCRIPT)
    details.get_by_role("button", name="Edit details").click()
    details.get_by_label("Tags").fill(f"vision, {XSS_TAG}, prod")
    details.get_by_role("button", name="Save").click()
    expect(details).to_contain_text(f"vision, {XSS_TAG}, prod")
    got = httpx.get(f"{server.base_url}/api/v1/registry/{ENTITY}/{MODEL}", timeout=10).json()
    assert got["tags"] == ["vision", XSS_TAG, "prod"]
    assert got["description"] == seed.XSS_SCRIPT
    no_xss(page)


MEMBER = ("bob", "bob-has-a-long-password")
VIEWER = ("cleo", "cleo-has-a-long-password")
TEAM = "lab"


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that requires login: team ``lab`` (bob a member, cleo a viewer) whose model
    ``classifier`` links the admin's private ``checkpoint`` v0 (``production``)."""
    tmp: Path = tmp_path_factory.mktemp("browser-registry-locked")
    with locked_server(
        tmp, users=dict([MEMBER, VIEWER]), runs=[{"project": "private", "name": "m-1"}], roles={}
    ) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as admin:
            login = admin.post(
                "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            admin.post("/api/v1/teams", json={"name": TEAM}).raise_for_status()
            for user, role in ((MEMBER[0], "member"), (VIEWER[0], "viewer")):
                admin.put(
                    f"/api/v1/teams/{TEAM}/members/{user}", json={"role": role}
                ).raise_for_status()
            key = admin.post("/api/v1/api-keys", json={"name": "registry"})
            key.raise_for_status()
        with httpx.Client(
            base_url=server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {key.json()['key']}"},
        ) as client:
            seed.fill_small(client, ADMIN_USER, "private")
            link(client, TEAM, f"{ADMIN_USER}/private/checkpoint:v0", ["production"])
        yield server


def sign_in(page: Any, server: ServerProcess, user: tuple[str, str], next_path: str) -> None:
    page.goto(f"{server.base_url}/login?next={next_path}")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(user[0])
    form.get_by_label("Password").fill(user[1])
    form.get_by_role("button", name="Sign in").click()


def test_a_team_viewer_sees_no_controls_and_a_hidden_source(
    page: Any, locked: ServerProcess
) -> None:
    sign_in(page, locked, VIEWER, f"/registry/{TEAM}/{MODEL}")
    expect(page.get_by_role("heading", name=MODEL)).to_be_visible()
    v0 = page.get_by_role("table", name="Versions of the model").locator("tr[data-version='v0']")
    expect(v0).to_contain_text("hidden")
    expect(v0.get_by_role("link")).to_have_count(0)
    expect(page.get_by_role("region", name="Aliases")).to_contain_text("production → v0")
    expect(page.get_by_role("form", name="Move an alias")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove alias production")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit details")).to_have_count(0)
    expect(page.get_by_role("table", name="Changes of the model")).to_contain_text("linked v0")


def test_a_team_member_moves_an_alias(page: Any, locked: ServerProcess) -> None:
    sign_in(page, locked, MEMBER, f"/registry/{TEAM}/{MODEL}")
    move = page.get_by_role("form", name="Move an alias")
    move.get_by_label("Alias").fill("staging")
    move.get_by_role("button", name="Move alias").click()
    expect(
        page.get_by_role("region", name="Aliases").locator("li[data-alias='staging']")
    ).to_be_visible()
    # automations are the team admins': a member reads them but gets no form
    page.goto(f"{locked.base_url}/automations/{TEAM}")
    expect(page.get_by_text(f"No automations in {TEAM} yet.")).to_be_visible()
    expect(page.get_by_role("form", name="New automation")).to_have_count(0)
