"""The run page: overview (config, git, notes, tags), charts, system, logs and files tabs.

What these tests rely on: the run's name is the page's heading; tabs are ``role=tab`` named
Overview, Charts, System, Logs, Files and ``?tab=`` selects one; notes are edited through an
"Edit notes" button, a "Notes" text box and "Save"; tags through "Add tag" and a "New tag" box
(Enter adds); the logs tab has a "Search logs" box; a file's name is a download link.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import Seeded, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

BASELINE = "resnet-baseline"


def _api_run(seeded: Seeded, name: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{seeded.base_url}/api/v1/runs/{seeded.entity}/{seeded.project}/{seeded.run_id(name)}",
        timeout=10,
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def test_overview_shows_config_git_and_notes(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(BASELINE))
    expect(page.get_by_role("heading", name=BASELINE, level=1)).to_be_visible()
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    main = page.get_by_role("main")
    expect(main.get_by_text("optimizer", exact=True).first).to_be_visible()
    expect(main.get_by_text("sgd", exact=True).first).to_be_visible()
    expect(main.get_by_text(re.compile(r"model\.depth|depth")).first).to_be_visible()
    commit = seeded.runs[BASELINE]["git"]["commit"] if seeded.runs[BASELINE].get("git") else None
    commit = commit or _api_run(seeded, BASELINE)["git"]["commit"]
    expect(main.get_by_text(re.compile(commit[:7])).first).to_be_visible()
    expect(main.get_by_text("github.com/example/vision", exact=False).first).to_be_visible()
    expect(main.get_by_text("First baseline on the full set.")).to_be_visible()
    expect(main.get_by_text("finished").first).to_be_visible()
    screenshot(page, "run-overview")


def test_editing_notes_persists(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("mlp-tiny", "overview"))
    page.get_by_role("button", name=re.compile("Edit notes|Add notes")).click()
    box = page.get_by_role("textbox", name="Notes")
    box.fill("Tried a tiny MLP as a sanity check.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tried a tiny MLP as a sanity check.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Tried a tiny MLP as a sanity check.")).to_be_visible()
    assert _api_run(seeded, "mlp-tiny")["notes"] == "Tried a tiny MLP as a sanity check."


def test_adding_a_tag_persists(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("resnet-deep", "overview"))
    page.get_by_role("button", name=re.compile("Add tag")).click()
    box = page.get_by_role("textbox", name=re.compile("New tag|Tag"))
    box.fill("reviewed")
    box.press("Enter")
    expect(page.get_by_text("reviewed", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_text("reviewed", exact=True)).to_be_visible()
    assert "reviewed" in _api_run(seeded, "resnet-deep")["tags"]


def test_charts_tab_draws_the_runs_metrics(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(BASELINE, "charts"))
    expect(page.get_by_role("tab", name="Charts")).to_have_attribute("aria-selected", "true")
    for key in ("train/loss", "train/acc", "val/loss", "val/acc"):
        panel = page.get_by_role("figure", name=key, exact=True)
        panel.scroll_into_view_if_needed()
        expect(panel).to_have_attribute("data-state", "ready")
    page.get_by_role("figure", name="train/loss", exact=True).scroll_into_view_if_needed()
    screenshot(page, "run-charts")


def test_system_tab_draws_system_metrics(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("vit-small"))
    page.get_by_role("tab", name="System").click()
    expect(page).to_have_url(re.compile(r"tab=system"))
    panel = page.get_by_role("figure", name="system/cpu.percent", exact=True)
    expect(panel).to_have_attribute("data-state", "ready")
    expect(page.get_by_role("figure", name="train/loss", exact=True)).to_have_count(0)
    screenshot(page, "run-system")


def test_logs_tab_shows_ansi_colours_and_search_finds_a_line(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(BASELINE, "logs"))
    line = page.get_by_text("gradient norm exploded at step 123")
    expect(line).to_be_visible()
    # the escape codes are gone and ERROR is drawn in a colour of its own
    expect(page.get_by_text("[31m")).to_have_count(0)
    error_word = page.get_by_text("ERROR", exact=True).first
    info_word = page.get_by_text("INFO", exact=True).first
    rest = page.get_by_text(re.compile("plain line: needle-7f3a"))
    colour = error_word.evaluate("(el) => getComputedStyle(el).color")
    assert colour != info_word.evaluate("(el) => getComputedStyle(el).color")
    assert colour != rest.evaluate("(el) => getComputedStyle(el).color")
    screenshot(page, "run-logs")

    page.get_by_role("searchbox", name=re.compile("Search", re.I)).or_(
        page.get_by_role("textbox", name=re.compile("Search", re.I))
    ).first.fill("needle-7f3a")
    expect(page.get_by_text(re.compile("needle-7f3a")).first).to_be_visible()
    marked = page.locator("mark", has_text="needle-7f3a")
    other_hidden = page.get_by_text("starting epoch 1")
    expect(marked.or_(page.get_by_text(re.compile(r"\b1 (match|line)")))).not_to_have_count(0)
    if marked.count() == 0:
        expect(other_hidden).to_be_hidden()


def test_files_tab_lists_and_downloads_a_file(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url(BASELINE, "files"))
    link = page.get_by_role("link", name=re.compile(re.escape("checkpoint-info.txt"))).first
    expect(link).to_be_visible()
    screenshot(page, "run-files")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path) as f:
        assert f.read() == seed.SAVED_TEXT


def test_failed_and_running_runs_show_their_state(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("vit-diverged"))
    expect(page.get_by_text("failed").first).to_be_visible()
    expect(page.get_by_text("Diverged: lr too high.")).to_be_visible()
    page.goto(seeded.run_url("live-run"))
    expect(page.get_by_text("running").first).to_be_visible()


def test_overview_lists_the_runs_alerts_newest_first(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("resnet-adam", "overview"))
    alerts = page.get_by_role("region", name="Alerts")
    expect(alerts.get_by_role("heading", name="Alerts (2)")).to_be_visible()
    items = alerts.get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("loss spike")  # raised last, shown first
    expect(items.nth(0)).to_contain_text("ERROR")
    expect(items.nth(1)).to_contain_text("val/acc plateaued")
    expect(items.nth(1)).to_contain_text("no improvement for 50 steps")
    screenshot(page, "run-alerts")
    page.goto(seeded.run_url(BASELINE, "overview"))  # a run without alerts shows no card
    expect(page.get_by_role("heading", name=BASELINE, level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Alerts")).to_have_count(0)


def test_values_tab_shows_logged_text_and_json_by_key(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.run_url("resnet-adam"))
    page.get_by_role("tab", name="Values").click()
    keys = page.get_by_role("list", name="Value keys")
    expect(keys.get_by_role("button")).to_have_count(3)  # phase, sample/text, sample/tokens
    phase = page.get_by_role("table", name="Values of phase")
    expect(phase.get_by_role("row")).to_have_count(4)  # the header and three values
    expect(phase.get_by_role("row").nth(1)).to_contain_text("warmup")
    expect(phase.get_by_role("row").nth(3)).to_contain_text(str(seed.STEPS - 1))
    expect(phase.get_by_role("row").nth(3)).to_contain_text("eval")
    keys.get_by_role("button", name="sample/tokens").click()
    tokens = page.get_by_role("table", name="Values of sample/tokens")
    expect(tokens.get_by_role("row").nth(1)).to_contain_text("10")
    expect(tokens.get_by_role("row").nth(1)).to_contain_text("7")
    keys.get_by_role("button", name="sample/text").click()
    expect(page.get_by_text(seed.SAMPLE_TEXT, exact=True)).to_be_visible()
    screenshot(page, "run-values")
    page.goto(seeded.run_url("mlp-tiny", "values"))
    expect(page.get_by_text("No text or other non-metric values logged.")).to_be_visible()
