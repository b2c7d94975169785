"""The artifacts web app in a browser against real servers filled through the real HTTP API
(seed_artifacts.py): the list (types, search, paging), an artifact's versions, a version's
overview, files, diff and lineage graph, the run page's Artifacts tab, deleting an aliased
version, editing a description and a TTL, a member moving an alias and a viewer who cannot, and
hostile text (run names, descriptions, metadata, file paths) shown as text.

What these tests rely on: tables "Artifacts", "Versions of the artifact" (rows ``data-version``,
the selected one ``aria-current``), "Files of the version" (rows ``data-path``), "Changed files"
(rows ``data-change``); the lineage ``svg`` "Lineage graph" with ``data-nodes``/``data-edges``/
``data-zoom``, nodes ``g[data-node-id]`` holding a link "Open run|artifact <name>" and a button
"Expand|Collapse <name>"; the run page's tab "Artifacts" with tables "Logged artifacts" and
"Used artifacts".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed_artifacts as seed
from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, screenshot, screenshot_of
from tests.browser.tidy import locked_server
from tests.serverproc import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

MEMBER = ("bob", "bob-has-a-long-password")
VIEWER = ("cleo", "cleo-has-a-long-password")
SHARED = "models"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """An open server holding seed_artifacts.fill's project."""
    proc = start_server(tmp_path_factory.mktemp("browser-artifacts") / "server")
    try:
        with httpx.Client(base_url=proc.base_url, timeout=30) as client:
            seed.fill(client)
        yield proc
    finally:
        proc.stop()


def url(server: ServerProcess, rest: str = "") -> str:
    return f"{server.base_url}/{seed.ENTITY}/{seed.PROJECT}{rest}"


def api(server: ServerProcess, rest: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}/api/v1/artifacts/{seed.ENTITY}/{seed.PROJECT}{rest}", timeout=10
    )


def no_xss(page: Any) -> None:
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator("img[src='x']")).to_have_count(0)


def test_the_list_filters_by_type_searches_and_pages(page: Any, server: ServerProcess) -> None:
    page.goto(url(server))
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Artifacts").click()
    expect(page.get_by_role("heading", name="Artifacts", exact=True)).to_be_visible()
    rows = page.get_by_role("table", name="Artifacts").locator("tbody tr")
    total = 4 + 2 + seed.FILLERS  # mnist, resnet, eval-report, shards; doomed, editable; tables
    expect(page.get_by_role("button", name=f"All ({total})")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(rows).to_have_count(50)
    resnet = page.locator("tr[data-artifact='resnet']")
    expect(resnet).to_contain_text("model")
    expect(resnet).to_contain_text("best")
    screenshot(page, "artifacts-list")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(total)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)

    page.get_by_role("button", name="model (1)").click()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?type=model$"))
    page.get_by_role("button", name=re.compile(r"^All")).click()
    page.get_by_role("searchbox", name="Search artifacts").fill("MNI")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-artifact", "mnist")
    page.get_by_role("searchbox", name="Search artifacts").fill("nothing-like-this")
    expect(page.get_by_text("No artifact matches “nothing-like-this”.")).to_be_visible()


def test_versions_and_a_versions_overview_show_hostile_text_as_text(
    page: Any, server: ServerProcess
) -> None:
    page.goto(url(server, "/artifacts?q=mnist"))
    page.get_by_role("link", name="mnist", exact=True).click()
    expect(page.get_by_role("heading", name="mnist", exact=True)).to_be_visible()
    versions = page.get_by_role("table", name="Versions of the artifact").locator("tbody tr")
    expect(versions).to_have_count(2)
    expect(page.locator("tr[data-version='v1']")).to_have_attribute("aria-current", "true")
    expect(page.locator("tr[data-version='v0']")).to_contain_text("production")
    expect(page.get_by_role("heading", name="mnist:v1")).to_be_visible()
    facts = page.get_by_role("region", name="Version facts")
    # v1 was used by the training run, whose name is hostile
    expect(facts.get_by_role("link", name=seed.TRAIN_NAME)).to_be_visible()
    expect(facts.get_by_role("link", name="prepare")).to_be_visible()

    page.locator("tr[data-version='v0']").get_by_role("link", name="v0").click()
    expect(page).to_have_url(re.compile(r"/artifacts/mnist/v0$"))
    expect(page.locator("tr[data-version='v0']")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("region", name="Description")).to_contain_text(seed.XSS_SCRIPT)
    expect(page.get_by_label("Metadata as JSON")).to_contain_text(seed.XSS_IMG.replace('"', '\\"'))
    expect(page.get_by_label("Metadata as JSON")).to_contain_text('"train": 0.9')
    expect(facts.get_by_text("kept for good")).to_be_visible()
    expect(facts.get_by_text("no run yet")).to_be_visible()
    screenshot(page, "artifact-version", full_page=True)
    no_xss(page)
    facts.get_by_role("link", name="prepare").click()
    expect(page).to_have_url(re.compile(r"/runs/prep0001$"))


def test_files_page_filter_download_and_copy(page: Any, server: ServerProcess) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(url(server, "/artifacts/shards?tab=files"))
    table = page.get_by_role("table", name="Files of the version")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(200)
    page.get_by_role("button", name="Load more files").click()
    expect(rows).to_have_count(seed.SHARD_COUNT)
    page.get_by_role("searchbox", name="Path prefix").fill("shard-01")
    expect(rows).to_have_count(10)
    expect(rows.first).to_have_attribute("data-path", "shard-010.bin")

    page.goto(url(server, "/artifacts/mnist/v0?tab=files"))
    hostile = page.locator("tr[data-path]").filter(has_text=seed.XSS_FILE)
    expect(hostile.get_by_role("rowheader")).to_have_text(seed.XSS_FILE)
    href = hostile.get_by_role("link", name=f"Download {seed.XSS_FILE}").get_attribute("href")
    answer = page.request.get(server.base_url + href)
    assert answer.status == 200
    assert answer.body() == seed.MNIST_V0[seed.XSS_FILE]
    labels = page.locator("tr[data-path='labels.json']")
    labels.get_by_role("button", name="Copy the SHA-256 of labels.json").click()
    expect(labels.get_by_role("button", name="Copy the SHA-256 of labels.json")).to_have_text(
        "Copied"
    )
    assert (
        page.evaluate("() => navigator.clipboard.readText()")
        == hashlib.sha256(seed.MNIST_V0["labels.json"]).hexdigest()
    )
    no_xss(page)

    # a reference has no bytes on the server: it shows where it points instead of a link
    page.goto(url(server, "/artifacts/resnet/v0?tab=files"))
    ref = page.locator("tr[data-path='pretrained/imagenet.pt']")
    expect(ref).to_contain_text("s3://models/imagenet.pt")
    expect(ref.get_by_role("link")).to_have_count(0)


def test_the_diff_lists_added_removed_and_changed_files(page: Any, server: ServerProcess) -> None:
    page.goto(url(server, "/artifacts/mnist/v1?tab=diff"))
    expect(page.get_by_label("Compare with")).to_have_value("v0")
    summary = page.locator(".diff-summary")
    expect(summary).to_contain_text("From v0 to v1: 1 added, 1 removed, 1 changed")
    table = page.get_by_role("table", name="Changed files")
    expect(table.locator("tr[data-change='added']")).to_contain_text("test/0.csv")
    expect(table.locator("tr[data-change='removed']")).to_contain_text("labels.json")
    changed = table.locator("tr[data-change='changed']")
    expect(changed).to_contain_text("train/1.csv")
    expect(changed).to_contain_text("+8 B")  # 8 → 16 bytes
    screenshot_of(page.get_by_role("region", name="Version mnist:v1"), "artifact-diff")
    # a version is not offered to compare with itself
    expect(page.get_by_label("Compare with").locator("option")).to_have_count(1)


def test_the_lineage_graph_expands_collapses_zooms_and_opens_nodes(
    page: Any, server: ServerProcess
) -> None:
    page.goto(url(server, "/artifacts/resnet/v0?tab=lineage"))
    graph = page.get_by_role("group", name="Lineage graph")
    # depth 2 from resnet:v0: train (logged it), evaluate (used it), mnist:v1, eval-report:v0
    expect(graph).to_have_attribute("data-nodes", "5")
    page.get_by_label("Lineage depth").select_option("1")
    expect(graph).to_have_attribute("data-nodes", "3")
    expect(graph).to_have_attribute("data-edges", "2")
    train = graph.locator("g[data-node-id='run:tester/artifacts-demo/train001']")
    expect(train).to_have_attribute("data-kind", "run")
    expect(train).to_contain_text(seed.TRAIN_NAME[:20])

    train.get_by_role("button", name=re.compile("^Expand train")).click()
    expect(graph).to_have_attribute("data-nodes", "4")
    mnist = graph.locator("g[data-node-id='artifact:tester/artifacts-demo/mnist:v1']")
    expect(mnist).to_have_attribute("data-kind", "artifact")
    expect(train).to_have_attribute("data-expanded", "true")
    mnist.get_by_role("button", name="Expand mnist:v1").click()
    expect(graph).to_have_attribute("data-nodes", "5")  # + prepare, which logged it
    expect(graph.locator("g[data-node-id='run:tester/artifacts-demo/prep0001']")).to_be_visible()
    edge = graph.locator(
        "path[data-source='artifact:tester/artifacts-demo/mnist:v1']"
        "[data-target='run:tester/artifacts-demo/train001']"
    )
    expect(edge).to_have_count(1)
    screenshot_of(page.locator(".lineage"), "artifact-lineage")
    no_xss(page)

    train.get_by_role("button", name=re.compile("^Collapse train")).click()
    expect(graph).to_have_attribute("data-nodes", "3")
    expect(mnist).to_have_count(0)

    zoom = graph.get_attribute("data-zoom")
    page.get_by_role("button", name="Zoom in").click()
    expect(graph).not_to_have_attribute("data-zoom", zoom)
    layer = graph.locator(":scope > g")
    before = layer.get_attribute("transform")
    box = graph.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 80, steps=5)
    page.mouse.up()
    assert layer.get_attribute("transform") != before

    graph.get_by_role("link", name="Open run evaluate").click()
    expect(page).to_have_url(re.compile(r"/runs/eval0001$"))


def test_the_run_page_lists_logged_and_used_versions(page: Any, server: ServerProcess) -> None:
    page.goto(url(server, f"/runs/{seed.RUNS['train']}"))
    page.get_by_role("tab", name="Artifacts").click()
    expect(page).to_have_url(re.compile(r"tab=artifacts"))
    logged = page.get_by_role("table", name="Logged artifacts")
    used = page.get_by_role("table", name="Used artifacts")
    expect(logged.get_by_role("link", name="resnet:v0")).to_be_visible()
    expect(logged).to_contain_text("best")
    expect(used.get_by_role("link", name="mnist:v1")).to_be_visible()
    expect(page.get_by_role("heading", name=seed.TRAIN_NAME)).to_be_visible()
    screenshot(page, "run-artifacts")
    no_xss(page)
    used.get_by_role("link", name="mnist:v1").click()
    expect(page).to_have_url(re.compile(r"/artifacts/mnist/v1$"))
    expect(page.get_by_role("heading", name="mnist:v1")).to_be_visible()


def test_deleting_an_aliased_version_is_explained_then_done_with_its_aliases(
    page: Any, server: ServerProcess
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(url(server, "/artifacts/doomed/v0"))
    page.get_by_role("button", name="Delete version").click()
    alert = page.locator(".delete-version").get_by_role("alert")
    expect(alert).to_contain_text("doomed:v0 was not deleted: it holds the alias keep")
    expect(alert).to_contain_text("The server said:")
    assert api(server, "/doomed/versions/v0").status_code == 200
    alert.get_by_role("button", name="Delete with its aliases").click()
    expect(page).to_have_url(re.compile(r"/artifacts/doomed$"))
    expect(page.get_by_role("heading", name="doomed:v1")).to_be_visible()
    expect(
        page.get_by_role("table", name="Versions of the artifact").locator("tbody tr")
    ).to_have_count(1)
    assert api(server, "/doomed/versions/v0").status_code == 404


def test_a_member_edits_the_description_and_the_ttl(page: Any, server: ServerProcess) -> None:
    page.goto(url(server, "/artifacts/editable/v0"))
    card = page.get_by_role("region", name="Description")
    card.get_by_role("button", name="Add description").click()
    card.get_by_role("textbox", name="Description").fill(f"cleaned {seed.XSS_IMG}")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".version-description")).to_have_text(f"cleaned {seed.XSS_IMG}")
    assert api(server, "/editable/versions/v0").json()["description"] == f"cleaned {seed.XSS_IMG}"
    no_xss(page)

    facts = page.get_by_role("region", name="Version facts")
    facts.get_by_role("button", name="Change TTL").click()
    facts.get_by_label("Days after creation").fill("10")
    facts.get_by_role("button", name="Set TTL").click()
    expect(facts.get_by_text(re.compile(r"^deleted in (10|9) days$"))).to_be_visible()
    assert api(server, "/editable/versions/v0").json()["expires_at"] is not None
    facts.get_by_role("button", name="Change TTL").click()
    facts.get_by_role("button", name="Keep for good").click()
    expect(facts.get_by_text("kept for good")).to_be_visible()
    assert api(server, "/editable/versions/v0").json()["expires_at"] is None


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that requires login: the admin's project ``models`` holding ``checkpoint`` v0
    (alias ``production``) and v1; bob is a member there, cleo a viewer."""
    tmp: Path = tmp_path_factory.mktemp("browser-artifacts-locked")
    with locked_server(
        tmp,
        users=dict([MEMBER, VIEWER]),
        runs=[{"project": SHARED, "name": "m-1"}],
        roles={SHARED: {MEMBER[0]: "member", VIEWER[0]: "viewer"}},
    ) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as admin:
            login = admin.post(
                "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            key = admin.post("/api/v1/api-keys", json={"name": "artifacts"})
            key.raise_for_status()
        with httpx.Client(
            base_url=server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {key.json()['key']}"},
        ) as client:
            seed.fill_small(client, ADMIN_USER, SHARED)
        yield server


def sign_in(page: Any, server: ServerProcess, user: tuple[str, str], next_path: str) -> None:
    page.goto(f"{server.base_url}/login?next={next_path}")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Username").fill(user[0])
    form.get_by_label("Password").fill(user[1])
    form.get_by_role("button", name="Sign in").click()


def test_a_member_moves_an_alias_to_another_version(page: Any, locked: ServerProcess) -> None:
    sign_in(page, locked, MEMBER, f"/{ADMIN_USER}/{SHARED}/artifacts/checkpoint/v1")
    expect(page.get_by_role("heading", name="checkpoint:v1")).to_be_visible()
    aliases = page.get_by_role("region", name="Aliases")
    # latest is the server's: it has no remove button
    expect(aliases.get_by_role("button", name="Remove alias latest")).to_have_count(0)
    aliases.get_by_role("button", name="Move production here (from v0)").click()
    expect(aliases.get_by_role("button", name="Remove alias production")).to_be_visible()
    expect(page.locator("tr[data-version='v0']")).not_to_contain_text("production")
    expect(page.locator("tr[data-version='v1']")).to_contain_text("production")
    screenshot_of(aliases, "artifact-aliases")
    # the server's names are refused before asking it
    aliases.get_by_role("textbox", name="New alias").fill("v7")
    aliases.get_by_role("button", name="Add alias").click()
    expect(aliases.get_by_role("alert")).to_contain_text("kept by the server")
    aliases.get_by_role("textbox", name="New alias").fill("staging")
    aliases.get_by_role("button", name="Add alias").click()
    expect(aliases.get_by_role("button", name="Remove alias staging")).to_be_visible()
    aliases.get_by_role("button", name="Remove alias staging").click()
    expect(aliases.get_by_role("button", name="Remove alias staging")).to_have_count(0)


def test_a_viewer_sees_no_edit_controls(page: Any, locked: ServerProcess) -> None:
    sign_in(page, locked, VIEWER, f"/{ADMIN_USER}/{SHARED}/artifacts/checkpoint/v0")
    expect(page.get_by_role("heading", name="checkpoint:v0")).to_be_visible()
    expect(page.get_by_role("region", name="Aliases")).to_be_visible()
    expect(page.get_by_role("button", name="Delete version")).to_have_count(0)
    expect(page.get_by_role("textbox", name="New alias")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("description$"))).to_have_count(0)
    expect(page.get_by_role("button", name="Change TTL")).to_have_count(0)
