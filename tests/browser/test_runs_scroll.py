"""The runs table of a project with thousands of runs: after a fling stops, the rows in view are
the right runs (never placeholders left behind, never rows of another window).

The project is filled through the wire protocol (a run record and a finish record per run, as the
SDK sends them), with creation times one second apart: the table's default order (newest first)
then puts run ``N - 1 - i`` at row ``i``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from cairn.wire import CONTENT_TYPE, encode_batch, encode_records
from tests.serverproc import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ENTITY = "scroll"
PROJECT = "many"
RUNS = 3_000
ROW_PX = 32  # the table's row height


def _name(i: int) -> str:
    return f"scroll-run-{i:05d}"


@pytest.fixture(scope="module")
def many_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server holding one project of RUNS finished runs."""
    server = start_server(tmp_path_factory.mktemp("browser-scroll") / "server")
    try:
        t0 = time.time() - RUNS - 60
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for i in range(RUNS):
                records = encode_records(
                    [
                        ["run", {"name": _name(i), "config": {"i": i}, "created_at": t0 + i}],
                        ["finish", {"time": t0 + i + 0.5, "exit_code": 0}],
                    ]
                )
                body = encode_batch(ENTITY, PROJECT, f"s{i:06d}", os.urandom(16), 0, records)
                client.post(
                    "/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
                ).raise_for_status()
        yield server
    finally:
        server.stop()


def _fling(page: Any, to_row: int, frames: int) -> None:
    """Scroll the table to ``to_row`` in ``frames`` animation frames (a fling), then stop."""
    page.evaluate(
        """([target, frames]) => new Promise((resolve) => {
          const el = document.querySelector('.runs-scroll');
          const start = el.scrollTop;
          let frame = 0;
          const step = () => {
            frame += 1;
            el.scrollTop = start + ((target - start) * frame) / frames;
            if (frame < frames) requestAnimationFrame(step); else resolve();
          };
          requestAnimationFrame(step);
        })""",
        [to_row * ROW_PX, frames],
    )


IN_VIEW = """() => {
  const box = document.querySelector('.runs-scroll').getBoundingClientRect();
  const header = document.querySelector('.runs-row.header').getBoundingClientRect();
  return [...document.querySelectorAll('[role=table][aria-label="Runs"] [role=row]')]
    .filter((r) => !r.classList.contains('header'))
    .filter((r) => {
      const b = r.getBoundingClientRect();
      return b.bottom > header.bottom + 1 && b.top < box.bottom - 1;
    })
    .map((r) => ({
      index: Number(r.getAttribute('aria-rowindex')) - 2,
      placeholder: r.classList.contains('placeholder'),
      name: r.querySelector('a') ? r.querySelector('a').textContent : null,
    }));
}"""


def _assert_rows_in_view_are_real(page: Any) -> list[dict[str, Any]]:
    all_real = "(rows) => rows.length > 0 && rows.every((r) => !r.placeholder)"
    page.wait_for_function(f"() => ({all_real})(({IN_VIEW})())")
    rows: list[dict[str, Any]] = page.evaluate(IN_VIEW)
    for row in rows:
        assert row["name"] == _name(RUNS - 1 - row["index"]), row
    return rows


def _open(page: Any, server: ServerProcess) -> Any:
    page.goto(f"{server.base_url}/{ENTITY}/{PROJECT}")
    grid = page.get_by_role("table", name="Runs")
    expect(grid.get_by_role("link", name=_name(RUNS - 1), exact=True)).to_be_visible()
    expect(page.get_by_role("toolbar", name="Runs")).to_contain_text(f"{RUNS:,} runs")
    return grid


def test_rows_are_real_after_a_fling_stops(page: Any, many_runs: ServerProcess) -> None:
    grid = _open(page, many_runs)
    # down across two thirds of the list in eight frames (faster than windows can be fetched)
    _fling(page, 2_000, 8)
    target = grid.locator('[aria-rowindex="2002"]')
    expect(target.get_by_role("link")).to_have_text(_name(RUNS - 1 - 2_000))
    rows = _assert_rows_in_view_are_real(page)
    assert rows[0]["index"] <= 2_000 <= rows[-1]["index"]

    # and back up to the top: the newest run first again
    _fling(page, 0, 8)
    expect(grid.get_by_role("link").first).to_have_text(_name(RUNS - 1))
    rows = _assert_rows_in_view_are_real(page)
    assert rows[0]["index"] == 0


def test_rows_are_real_after_a_fling_to_the_end(page: Any, many_runs: ServerProcess) -> None:
    grid = _open(page, many_runs)
    _fling(page, RUNS, 6)
    expect(grid.get_by_role("link", name=_name(0), exact=True)).to_be_visible()
    rows = _assert_rows_in_view_are_real(page)
    assert rows[-1]["index"] == RUNS - 1


def test_a_steady_scroll_shows_the_runs_in_order(page: Any, many_runs: ServerProcess) -> None:
    _open(page, many_runs)
    box = page.locator(".runs-scroll").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(40):
        page.mouse.wheel(0, 600)
    page.wait_for_function("() => document.querySelector('.runs-scroll').scrollTop >= 40 * 600 - 1")
    rows = _assert_rows_in_view_are_real(page)
    assert rows[0]["index"] >= 40 * 600 // ROW_PX - 1
