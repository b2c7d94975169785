"""A record set aside by the SDK (design 0015) shows on its run's Overview: a run logged through
a proxy whose body limit no request with its huge config value fits under."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import cairn
from tests.bodylimit import body_limit_proxy
from tests.browser.conftest import screenshot
from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "server")
    try:
        yield proc
    finally:
        proc.stop()


def test_the_run_page_lists_what_did_not_arrive(
    page: Any, server: ServerProcess, workdir: Path
) -> None:
    huge = base64.b64encode(os.urandom(2 * 1024 * 1024)).decode()
    with body_limit_proxy(server.base_url, 1024 * 1024) as (url, _):
        run = cairn.init(project="aside", name="partly-sent", settings={"base_url": url})
        run.log({"loss": 1.0})
        run.config.update({"huge": huge})
        run.log({"loss": 0.5})
        run.finish()
    page.goto(f"{server.base_url}/tester/aside/runs/{run.id}")
    card = page.get_by_role("region", name="Not uploaded")
    expect(card.get_by_role("heading")).to_have_text("Not uploaded (1)")
    expect(card.locator(".badge")).to_have_text("run")
    expect(card.locator(".alert-text")).to_contain_text("413")
    expect(card).to_contain_text("cairn sync --retry-aside")
    screenshot(page, "run-not-uploaded")
