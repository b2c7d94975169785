"""Browser-test fixtures: the built web app, headless Chromium, and real servers filled by the SDK.

Session-scoped: one seeded server (SQLite) holding a small realistic project, one holding a
project of media and tables, one empty server, one server that requires login, one with a small
project per housekeeping test. Function-scoped:
a fresh browser context + page per test that fails the test on any uncaught JS exception or
Content-Security-Policy violation.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import seed, seed_media, seed_sweeps, tidy
from tests.serverproc import ServerProcess, start_server

ROOT = Path(__file__).resolve().parents[2]
WEBUI_INDEX = ROOT / "cairn" / "server" / "webui" / "index.html"
# `make screenshots` refreshes the UI guide's pictures; other runs keep theirs out of the tree.
SHOTS = Path(os.environ.get("CAIRN_SCREENSHOTS_DIR") or tempfile.gettempdir()) / "cairn-ui-shots"
if os.environ.get("CAIRN_SCREENSHOTS_DIR") == "docs":
    SHOTS = ROOT / "docs" / "images" / "ui"
CHROMIUM = os.environ.get("CAIRN_TEST_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 900}
ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
# Playwright's own waits (expect, locators, navigation) give up after this long
WAIT_MS = 15_000


@dataclass
class SeededProject:
    """A seeded server and the project filled in it."""

    server: ServerProcess
    entity: str
    project: str
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """run name -> the run as the read API answers it"""

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def run_id(self, name: str) -> str:
        return str(self.runs[name]["id"])

    def workspace_url(self, query: str = "") -> str:
        return f"{self.base_url}/{self.entity}/{self.project}{query}"

    def run_url(self, name: str, tab: str | None = None) -> str:
        url = f"{self.base_url}/{self.entity}/{self.project}/runs/{self.run_id(name)}"
        return f"{url}?tab={tab}" if tab else url


@dataclass
class Seeded(SeededProject):
    """The seeded server (see seed.py): its project, and a second one of the same entity."""

    other_project: str = ""


def _seed(
    server: ServerProcess, module: str, workdir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a seeding script (``python -m module BASE_URL WORKDIR``) as its own process."""
    done = subprocess.run(
        [sys.executable, "-m", module, server.base_url, str(workdir)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stdout}\n{done.stderr}\n{server.log()}")
    return done


def _sdk_env(tmp: Path) -> dict[str, str]:
    """The environment of a training script: no CAIRN_* from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env["CAIRN_NETRC"] = str(tmp / "netrc")
    env["CAIRN_ENTITY"] = seed.ENTITY
    env["PYTHONPATH"] = str(ROOT)
    env["NO_COLOR"] = ""
    return env


@pytest.fixture(scope="session", autouse=True)
def built_ui() -> Path:
    """The web app must be built into cairn/server/webui/ before these tests run."""
    if not WEBUI_INDEX.is_file():
        pytest.fail(
            f"the web app is not built ({WEBUI_INDEX} is missing): run `make ui` "
            "(or `cd ui && npm ci && npm run build`)",
            pytrace=False,
        )
    return WEBUI_INDEX


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_for_run(base_url: str, path: str, last_step: int, timeout_s: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = httpx.get(f"{base_url}/api/v1/runs/{path}", timeout=5)
        if answer.status_code == 200 and (answer.json().get("last_step") or 0) >= last_step:
            return
        time.sleep(0.1)
    raise RuntimeError(f"run {path} did not reach step {last_step} on the server")


def _start_live_run(base_url: str, workdir: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """The running run: a training process that stays alive (heartbeats) until stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.seed", base_url, str(workdir), "--running"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    run_id = _ready_line(proc, "READY ")
    _wait_for_run(base_url, f"{seed.ENTITY}/{seed.PROJECT}/{run_id}", 199)
    return proc


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A real server on SQLite filled once through the SDK (see seed.py for what is in it)."""
    tmp = tmp_path_factory.mktemp("browser-seeded")
    server = start_server(tmp / "server")
    live: subprocess.Popen[str] | None = None
    try:
        env = _sdk_env(tmp)
        work = tmp / "work"
        _seed(server, "tests.browser.seed", work, env)
        live = _start_live_run(server.base_url, work, env)
        answer = httpx.get(
            f"{server.base_url}/api/v1/projects/{seed.ENTITY}/{seed.PROJECT}/runs",
            params={"limit": 100},
            timeout=10,
        )
        answer.raise_for_status()
        runs = {run["name"]: run for run in answer.json()["runs"]}
        yield Seeded(server, seed.ENTITY, seed.PROJECT, runs, other_project=seed.OTHER_PROJECT)
    finally:
        if live is not None:
            assert live.stdin is not None
            live.stdin.close()
            try:
                live.wait(timeout=60)
            except subprocess.TimeoutExpired:
                live.kill()
        server.stop()


class MediaSeeded(SeededProject):
    """The server seeded with media and tables (see seed_media.py for what is in it)."""


@pytest.fixture(scope="session")
def media_seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaSeeded]:
    """A real server on SQLite holding a project of every media type and table (seed_media.py),
    logged through the SDK."""
    tmp = tmp_path_factory.mktemp("browser-media")
    server = start_server(tmp / "server")
    try:
        _seed(server, "tests.browser.seed_media", tmp / "work", _sdk_env(tmp))
        answer = httpx.get(
            f"{server.base_url}/api/v1/projects/{seed_media.ENTITY}/{seed_media.PROJECT}/runs",
            params={"limit": 100},
            timeout=10,
        )
        answer.raise_for_status()
        runs = {run["name"]: run for run in answer.json()["runs"]}
        yield MediaSeeded(server, seed_media.ENTITY, seed_media.PROJECT, runs)
    finally:
        server.stop()


@dataclass
class SweepSeeded:
    """The server holding one sweep and its trials, and a live run to stop (seed_sweeps.py)."""

    server: ServerProcess
    entity: str
    project: str
    sweep_id: str
    live_run_id: str
    live: subprocess.Popen[str]
    early_sweep_id: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def sweep_url(self) -> str:
        return f"{self.base_url}/{self.entity}/{self.project}/sweeps/{self.sweep_id}"


def _ready_line(proc: subprocess.Popen[str], prefix: str) -> str:
    """The first line of the process's output starting with prefix (its rest), or an error with
    everything it printed."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            proc.kill()
            raise RuntimeError(f"no {prefix} line:\n" + "".join(seen)) from None
        seen.append(line)
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
        if proc.poll() is not None and lines.empty():
            raise RuntimeError("the process exited:\n" + "".join(seen))


@pytest.fixture(scope="session")
def sweep_seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SweepSeeded]:
    """A real server on SQLite with a grid sweep, seven finished trials logged through the SDK, and
    a plain run kept running by its process until it is asked to stop."""
    tmp = tmp_path_factory.mktemp("browser-sweeps")
    server = start_server(tmp / "server")
    live: subprocess.Popen[str] | None = None
    try:
        env = _sdk_env(tmp)
        done = _seed(server, "tests.browser.seed_sweeps", tmp / "work", env)
        printed = {
            words[0]: words[1]
            for words in (line.split() for line in done.stdout.splitlines())
            if len(words) == 2 and words[0] in ("SWEEP", "EARLY")
        }
        sweep_id, early_id = printed["SWEEP"], printed["EARLY"]
        live = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.browser.seed_sweeps",
                server.base_url,
                str(tmp / "work"),
                "--live",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        live_id = _ready_line(live, "READY ")
        yield SweepSeeded(
            server, seed_sweeps.ENTITY, seed_sweeps.PROJECT, sweep_id, live_id, live, early_id
        )
    finally:
        if live is not None and live.poll() is None:
            live.terminate()
            try:
                live.wait(timeout=30)
            except subprocess.TimeoutExpired:
                live.kill()
        server.stop()


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with no projects at all."""
    server = start_server(tmp_path_factory.mktemp("browser-empty") / "server")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that requires login, with one admin (ADMIN_USER / ADMIN_PASSWORD)."""
    server = start_server(
        tmp_path_factory.mktemp("browser-auth") / "server",
        env={
            "CAIRN_SERVER_AUTH": "required",
            "CAIRN_SERVER_ADMIN_USERNAME": ADMIN_USER,
            "CAIRN_SERVER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        },
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tidy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tidy.Tidy]:
    """A server with one small project per housekeeping test (see tidy.py)."""
    tmp = tmp_path_factory.mktemp("browser-tidy")
    server = start_server(tmp / "server")
    try:
        yield tidy.fill(server, tmp)
    finally:
        server.stop()


class PageProblems:
    """Uncaught exceptions and CSP violations a page reported."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.csp: list[str] = []

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"{getattr(error, 'name', 'Error')}: {error}")

    def on_console(self, message: Any) -> None:
        if "content security policy" in message.text.lower():
            self.csp.append(message.text)

    def check(self) -> None:
        problems = [f"uncaught exception: {e}" for e in self.errors]
        problems += [f"CSP violation: {c}" for c in self.csp]
        assert not problems, "the page reported:\n" + "\n".join(problems)


def new_page(browser: Any, problems: PageProblems, color_scheme: str = "light") -> Any:
    """A page in a fresh context (own cookies/localStorage) wired to record problems."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    page = context.new_page()
    page.on("pageerror", problems.on_page_error)
    page.on("console", problems.on_console)
    return page


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Any, problems: PageProblems) -> Iterator[Any]:
    """A fresh light-theme page; the test fails if the page threw or violated the CSP."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    pg = new_page(browser, problems)
    try:
        yield pg
    finally:
        pg.context.close()
    problems.check()


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    """Save a PNG of the page (into docs/images/ui/ under `make screenshots`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def screenshot_of(locator: Any, name: str) -> Path:
    """Save a PNG of one element, e.g. a panel (into docs/images/ui/ under `make screenshots`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    locator.screenshot(path=str(path), animations="disabled")
    return path
