"""Web-app benchmark: headless Chromium (Playwright) against a warm, real ``cairn server``.

Measures, with the figures the issue sets as goals:

(a) workspace with 100 runs x 20 metric keys x 10k steps: navigation -> the
    ``cairn:first-chart`` and ``cairn:all-charts`` performance marks (goals 1.5 s / 3 s);
(b) runs table with 100,000 runs: navigation -> first rows with data visible (goal 1 s), then
    scripted scrolls counting animation frames in which a row in view is a placeholder: a steady
    wheel scroll, a wheel fling across the list, and flings of ~50k rows (a dead stop and a
    decelerating coast) with the frames after the stop until the rows in view are real;
(c) one run with a 10M-point series: drag-zoom round trip, mouse-up -> the refetch done and the
    panel ready again (goal 300 ms), median of several;
(d) gzipped size of the JavaScript the first page loads (entry + modulepreload; goal 400 kB);
(e) an image panel over a key logged at 1,000 steps (256x256 images, 2 runs): the media
    requests made on opening it (only what is on screen should load, plus a bounded prefetch),
    and the time per step pressing → once warm, keydown -> the new images' ``load`` (goal 50 ms
    p50); see bench_ui_media.py.

Data is built the fastest honest way: the 100k runs by SQL into the server's database before it
starts (as bench_runs_query.py does), the series through the wire protocol (as the SDK sends them).

    python bench/bench_ui.py [--quick] [--parts a,b,c,d,e] [--reps 5] [--keep] [--data DIR]

``--quick`` uses small data (a smoke check, minutes less); its figures are not the goals' figures.
``--data DIR`` keeps the server's data in DIR and reuses it on the next call (building 100k runs
takes minutes).
Needs the built web app (``make ui``) and Chromium at /usr/bin/chromium (``make chromium``).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ui_media import bench_media_panel, ingest_media  # noqa: E402

from cairn.wire import CONTENT_TYPE, encode_batch, encode_records  # noqa: E402
from tests.serverproc import ServerProcess, start_server  # noqa: E402

WEBUI = ROOT / "cairn" / "server" / "webui"
CHROMIUM = os.environ.get("CAIRN_TEST_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 900}
ENTITY = "bench"
TABLE_PROJECT = "p"  # bench_runs_query.populate's project name
CHARTS_PROJECT = "charts"
ZOOM_PROJECT = "zoom"
ZOOM_KEY = "train/loss"
WAIT_MS = 60_000

GOALS = {
    "a_first": ("workspace: navigation -> first chart", 1.5, "s"),
    "a_all": ("workspace: navigation -> all on-screen charts", 3.0, "s"),
    "b_rows": ("runs table: navigation -> first rows", 1.0, "s"),
    "b_blank": ("runs table: frames with placeholder rows, steady scroll", None, "frames"),
    "c_zoom": ("zoom round trip (mouse-up -> panel ready)", 0.3, "s"),
    "d_js": ("JS loaded by the first page, gzipped", 400.0, "kB"),
    "e_step_p50": ("image panel: → step, keydown -> images loaded, p50", 0.05, "s"),
    "e_step_p95": ("image panel: → step, keydown -> images loaded, p95", None, "s"),
}
PEERS = [
    "MLflow UI: about 1 minute to show 500 runs",
    "Aim: over 1 minute for 50 runs with long histories",
    "TensorBoard: keeps 1,000 points per scalar series (reservoir sampling)",
    "ClearML: caps a plot at about 5,000 points",
]


@dataclass
class Sizes:
    chart_runs: int
    chart_keys: int
    chart_steps: int
    table_runs: int
    zoom_points: int
    media_steps: int = 1_000
    media_timed: int = 100


FULL = Sizes(chart_runs=100, chart_keys=20, chart_steps=10_000, table_runs=100_000,
             zoom_points=10_000_000)  # fmt: skip
QUICK = Sizes(chart_runs=10, chart_keys=6, chart_steps=1_000, table_runs=2_000,
              zoom_points=200_000, media_steps=100, media_timed=30)  # fmt: skip


# -- data ------------------------------------------------------------------------------------


def populate_table(data_dir: Path, n_runs: int) -> None:
    """``n_runs`` finished runs with 20 config and 20 summary keys, by SQL, before the server."""
    from bench_runs_query import populate

    from cairn.server.store.sql.engine import open_engine
    from cairn.server.store.sql.migrate import upgrade

    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(f"sqlite:///{data_dir / 'cairn.db'}")
    try:
        upgrade(engine)
        populate(engine, n_runs)
    finally:
        engine.dispose()


class Sender:
    """Posts wire batches for one run (one writer stream), one record per batch."""

    def __init__(self, client: httpx.Client, project: str, run_id: str) -> None:
        self.client = client
        self.project = project
        self.run_id = run_id
        self.stream = os.urandom(16)
        self.offset = 0

    def send(self, kind: str, body: dict[str, Any]) -> None:
        payload = encode_batch(ENTITY, self.project, self.run_id, self.stream, self.offset,
                               encode_records([[kind, body]]), level=1)  # fmt: skip
        response = self.client.post(
            "/api/v1/ingest", content=payload, headers={"Content-Type": CONTENT_TYPE}
        )
        response.raise_for_status()
        self.offset += 1


def _columns(start: int, stop: int, t0: float, cols: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "n": stop - start,
        "steps": np.arange(start, stop, dtype="<i8").tobytes(),
        "times": (t0 + np.arange(start, stop, dtype="<f8") * 0.01).tobytes(),
        "cols": {k: [None, v[start:stop].astype("<f8").tobytes()] for k, v in cols.items()},
    }


def chart_keys(n: int) -> list[str]:
    """Half train/, half val/ keys (two panel sections)."""
    return [f"{'train' if i % 2 == 0 else 'val'}/metric_{i:02d}" for i in range(n)]


def ingest_charts(client: httpx.Client, sizes: Sizes) -> int:
    """``chart_runs`` finished runs, each with ``chart_keys`` series of ``chart_steps`` points."""
    keys = chart_keys(sizes.chart_keys)
    steps = sizes.chart_steps
    rows_per_batch = max(1, 300_000 // len(keys))
    x = np.arange(steps, dtype="f8")
    t0 = time.time() - steps * 0.01
    for r in range(sizes.chart_runs):
        rng = np.random.default_rng(r)
        sender = Sender(client, CHARTS_PROJECT, f"c{r:05d}")
        sender.send("run", {"name": f"chart-run-{r:03d}",
                            "config": {"lr": float(10 ** rng.uniform(-5, -1)),
                                       "optimizer": ["adam", "sgd", "adamw"][r % 3]},
                            "created_at": t0})  # fmt: skip
        rate = 1e-4 + 3e-4 * rng.random()
        cols = {
            k: (1 + j * 0.1) * np.exp(-rate * x) + 0.05 * rng.standard_normal(steps)
            for j, k in enumerate(keys)
        }
        for start in range(0, steps, rows_per_batch):
            sender.send("history", _columns(start, min(steps, start + rows_per_batch), t0, cols))
        sender.send("finish", {"time": time.time(), "exit_code": 0})
    # the charts draw the first `maxRuns` runs of the table (10 by default): draw them all
    client.put(
        f"/api/v1/projects/{ENTITY}/{CHARTS_PROJECT}/workspace",
        json={"layout": {"table": {"maxRuns": min(100, sizes.chart_runs)}}},
    ).raise_for_status()
    return sizes.chart_runs * len(keys) * steps


def ingest_zoom(client: httpx.Client, sizes: Sizes) -> int:
    """One finished run with one ``zoom_points``-point series (a random walk)."""
    n = sizes.zoom_points
    sender = Sender(client, ZOOM_PROJECT, "long0001")
    t0 = time.time() - n * 0.01
    sender.send("run", {"name": "ten-million-points", "created_at": t0})
    values = np.cumsum(np.random.default_rng(1).standard_normal(n))
    rows_per_batch = 500_000
    for start in range(0, n, rows_per_batch):
        sender.send(
            "history", _columns(start, min(n, start + rows_per_batch), t0, {ZOOM_KEY: values})
        )
    sender.send("finish", {"time": time.time(), "exit_code": 0})
    return n


# -- browser -----------------------------------------------------------------------------------


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def mark_time(page: Any, name: str) -> float | None:
    """Seconds from navigation start to the performance mark ``name`` (None if never set)."""
    value = page.evaluate(
        "(n) => { const e = performance.getEntriesByName(n, 'mark'); "
        "return e.length ? e[0].startTime : null; }",
        name,
    )
    return None if value is None else value / 1000


def bench_workspace(browser: Any, base_url: str, reps: int) -> dict[str, Any]:
    """(a) Navigation -> cairn:first-chart / cairn:all-charts on the charts project."""
    firsts, alls, notes = [], [], []
    for _ in range(reps):
        page = new_page(browser)
        try:
            page.goto(f"{base_url}/{ENTITY}/{CHARTS_PROJECT}")
            try:
                page.wait_for_function(
                    "() => performance.getEntriesByName('cairn:all-charts', 'mark').length > 0",
                    timeout=WAIT_MS,
                )
                first, every = (
                    mark_time(page, "cairn:first-chart"),
                    mark_time(page, "cairn:all-charts"),
                )
            except Exception:
                notes.append("performance marks missing: timed [role=figure][data-state=ready]")
                page.locator("[role=figure][data-state=ready]").first.wait_for(timeout=30_000)
                first = page.evaluate("() => performance.now()") / 1000
                first, every = first, None
            shown = page.locator("[role=figure][data-state=ready]").count()
            drawn_runs = page.evaluate(
                "() => { const el = document.querySelector('.panel-count'); "
                "return el ? el.textContent : null; }"
            )
            if first is not None:
                firsts.append(first)
            if every is not None:
                alls.append(every)
            if page.errors:
                notes.append(f"page errors: {page.errors[:3]}")
        finally:
            page.context.close()
    return {
        "a_first": statistics.median(firsts) if firsts else None,
        "a_all": statistics.median(alls) if alls else None,
        "a_first_all": firsts,
        "a_all_all": alls,
        "a_panels_ready": shown,
        "a_toolbar": drawn_runs,
        "notes": sorted(set(notes)),
    }


# Records when the first data row appears, and counts frames where a row in view has no data.
# "In view" is the runs table's scrolling box (rows rendered as overscan above or below it are
# not seen by the user and do not count).
TABLE_PROBE = """
(() => {
  const TABLE_SEL = '[role=table][aria-label="Runs"]';
  window.__cairnBench = { firstRow: null, frames: 0, blankFrames: 0, watching: false };
  const hasData = (row) => /run-\\d+/.test(row.textContent || '');
  const observer = new MutationObserver(() => {
    if (window.__cairnBench.firstRow !== null) return;
    for (const row of document.querySelectorAll(TABLE_SEL + ' [role=row]')) {
      if (hasData(row)) {
        window.__cairnBench.firstRow = performance.now();
        observer.disconnect();
        return;
      }
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document.body, { childList: true, subtree: true, characterData: true }));
  window.__cairnBenchBlank = () => {
    const grid = document.querySelector(TABLE_SEL);
    if (!grid) return true;
    const view = grid.closest('.runs-scroll') || grid;
    const box = view.getBoundingClientRect();
    const header = grid.querySelector('[role=row]:has([role=columnheader])');
    const top = header ? header.getBoundingClientRect().bottom : box.top;
    const rows = [...grid.querySelectorAll('[role=row]')].filter((r) => {
      if (r.querySelector('[role=columnheader]')) return false;
      const b = r.getBoundingClientRect();
      return b.bottom > top + 1 && b.top < box.bottom - 1 && b.height > 0;
    });
    if (rows.length === 0) return true;
    return rows.some((r) => !hasData(r) || r.classList.contains('placeholder'));
  };
  const tick = () => {
    const s = window.__cairnBench;
    if (s.watching) { s.frames += 1; if (window.__cairnBenchBlank()) s.blankFrames += 1; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  // A fling driven frame by frame (as inertial scrolling moves the page): each frame first
  // records whether a row in view is a placeholder (what the previous frames produced), then
  // moves. mode "stop": `rows` rows at constant speed over `frames` frames, then a dead stop
  // (a scrollbar thumb dragged and held). mode "coast": the same distance with the speed
  // decaying by `decay` per frame (a trackpad fling), until it moves less than a pixel.
  window.__cairnFling = ({ mode, rows, frames, decay, rowPx }) => new Promise((resolve) => {
    const el = document.querySelector('.runs-scroll');
    const distance = rows * rowPx;
    let v = mode === 'stop' ? distance / frames : distance * (1 - decay);
    const log = [];
    let frame = 0, moved = 0, stopFrame = null, tStop = 0, tFirst = null;
    const t0 = performance.now();
    const step = () => {
      log.push(window.__cairnBenchBlank());
      if (stopFrame === null) {
        const last = mode === 'stop' ? frame + 1 >= frames : v * decay < 0.5;
        const dy = mode === 'stop' ? v : Math.min(v, distance - moved);
        el.scrollTop += dy;
        moved += dy;
        if (mode === 'coast') v *= decay;
        if (last) { stopFrame = frame + 1; tStop = performance.now(); }
      } else if (frame >= stopFrame && !log[frame]) {
        tFirst = performance.now();
        const during = log.slice(1, stopFrame).filter(Boolean).length;
        const after = log.slice(stopFrame).filter(Boolean).length;
        resolve({ frames: stopFrame, blankDuring: during, blankAfter: after,
                  msAfter: tFirst - tStop, msTotal: tFirst - t0, scrollTop: el.scrollTop });
        return;
      } else if (performance.now() - tStop > 20000) {
        resolve({ frames: stopFrame, blankDuring: null, blankAfter: null, msAfter: null,
                  msTotal: null, scrollTop: el.scrollTop, timedOut: true });
        return;
      }
      frame += 1;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
})();
"""


def _scroll_target(page: Any) -> Any:
    """The scrolling element of the runs table (the grid or its nearest scrolling ancestor)."""
    return page.evaluate_handle(
        """() => {
          const own = document.querySelector('.runs-scroll');
          if (own && own.scrollHeight > own.clientHeight) return own;
          let el = document.querySelector('[role=table][aria-label="Runs"]');
          while (el && el !== document.body) {
            const s = getComputedStyle(el);
            if (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight) return el;
            el = el.parentElement;
          }
          return document.scrollingElement;
        }"""
    )


ROW_PX = 32  # the table's row height (RunsTable.tsx)


def _open_table(browser: Any, base_url: str, settled: bool = True) -> Any:
    """A fresh page on the 100k-run table, its first rows shown (``settled``: and its columns)."""
    page = new_page(browser)
    page.add_init_script(TABLE_PROBE)
    page.goto(f"{base_url}/{ENTITY}/{TABLE_PROJECT}")
    page.wait_for_function("() => window.__cairnBench.firstRow !== null", timeout=WAIT_MS)
    if not settled:
        return page
    # the project's keys arrive after the first rows and bring the default config/summary
    # columns (new columns: rows asked again): scroll the table as it then stays
    page.wait_for_function(
        '() => [...document.querySelectorAll(\'[role=table][aria-label="Runs"] '
        "[role=columnheader]')].some((h) => /summary\\.|config\\./.test(h.textContent))"
        " && !window.__cairnBenchBlank()",
        timeout=WAIT_MS,
    )
    return page


def _wheel_scroll(page: Any, steps: int, delta: int | None, wait: bool = True) -> dict[str, Any]:
    """Wheel steps (one per two frames) from the top; frames with placeholders during and after.

    ``wait``: first wait until no row in view is a placeholder.
    """
    target = _scroll_target(page)
    box = target.evaluate(
        "(el) => { const b = el.getBoundingClientRect();"
        " return {x: b.x, y: b.y, width: b.width, height: b.height}; }"
    )
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 300))
    if delta is None:  # the whole list in `steps` steps
        delta = max(600, target.evaluate("(el) => el.scrollHeight - el.clientHeight") // steps)
    if wait:
        page.wait_for_function("() => !window.__cairnBenchBlank()", timeout=WAIT_MS)
    page.evaluate("() => { Object.assign(window.__cairnBench, "
                  "{frames: 0, blankFrames: 0, watching: true}); }")  # fmt: skip
    for _ in range(steps):
        page.mouse.wheel(0, delta)
        # one wheel step per two frames, as a fast trackpad flick sends them
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")  # fmt: skip
    at_stop = page.evaluate("() => ({...window.__cairnBench})")
    page.wait_for_function("() => !window.__cairnBenchBlank()", timeout=WAIT_MS)
    state = page.evaluate("() => { window.__cairnBench.watching = false; "
                          "return window.__cairnBench; }")  # fmt: skip
    return {
        "wheel_px": delta,
        "scrolled_px": target.evaluate("(el) => el.scrollTop"),
        "frames": state["frames"],
        "blank_frames": state["blankFrames"],
        "blank_after_stop": state["blankFrames"] - at_stop["blankFrames"],
    }


def _fling(page: Any, mode: str, rows: int) -> dict[str, Any]:
    """An in-page fling of ``rows`` rows from the top (see TABLE_PROBE's __cairnFling)."""
    page.wait_for_function("() => !window.__cairnBenchBlank()", timeout=WAIT_MS)
    result: dict[str, Any] = page.evaluate(
        "(o) => window.__cairnFling(o)",
        {"mode": mode, "rows": rows, "frames": 25, "decay": 0.9, "rowPx": ROW_PX},
    )
    return result


def bench_table(browser: Any, base_url: str, reps: int, steps: int = 50) -> dict[str, Any]:
    """(b) Navigation -> first rows; scrolling, counting frames with placeholder rows in view.

    Each measurement on a fresh page (nothing cached from the one before): a steady wheel scroll
    (600 px per two frames) started as soon as the first rows show ("early": the default columns
    arrive meanwhile) and once the columns are settled, a wheel fling across the whole list in
    ``steps`` steps, and two in-page flings of about 50,000 rows (a dead stop, and a decelerating
    coast) counting the frames after the stop until every row in view is real.
    """
    firsts: list[float] = []
    results: dict[str, Any] = {"notes": []}
    runs: dict[str, list[dict[str, Any]]] = {
        "early": [], "steady": [], "wheel": [], "stop": [], "coast": []
    }  # fmt: skip
    for rep in range(reps):
        for label in runs:
            page = _open_table(browser, base_url, settled=label != "early")
            try:
                if label == "early":
                    firsts.append(page.evaluate("() => window.__cairnBench.firstRow") / 1000)
                    runs[label].append(_wheel_scroll(page, steps, 600, wait=False))
                elif label == "steady":
                    runs[label].append(_wheel_scroll(page, steps, 600))
                elif label == "wheel":
                    runs[label].append(_wheel_scroll(page, steps, None))
                else:
                    runs[label].append(_fling(page, label, 50_000 + 1_337 * rep))
                if page.errors:
                    results["notes"].append(f"page errors: {page.errors[:3]}")
            finally:
                page.context.close()

    def med(label: str, field: str) -> float | None:
        values = [r[field] for r in runs[label] if r.get(field) is not None]
        return statistics.median(values) if values else None

    results["b_rows"] = statistics.median(firsts)
    results["b_rows_all"] = firsts
    for label in ("early", "steady"):
        results[f"b_{label}"] = {"blank_frames": med(label, "blank_frames"),
                                 "frames": med(label, "frames"), "all": runs[label]}  # fmt: skip
    results["b_fling"] = {"blank_frames": med("wheel", "blank_frames"),
                          "frames": med("wheel", "frames"),
                          "blank_after_stop": med("wheel", "blank_after_stop"),
                          "all": runs["wheel"]}  # fmt: skip
    for label in ("stop", "coast"):
        results[f"b_{label}"] = {
            "blank_after": med(label, "blankAfter"),
            "ms_after": med(label, "msAfter"),
            "blank_during": med(label, "blankDuring"),
            "frames": med(label, "frames"),
            "all": runs[label],
        }
    results["b_blank"] = results["b_steady"]["blank_frames"]
    return results


ZOOM_PROBE = """
(panel) => { window.__cairnZoom = new Promise((resolve, reject) => {
  let t0 = null, left = false;
  const done = () => { observer.disconnect(); resolve(performance.now() - t0); };
  const observer = new MutationObserver(() => {
    if (t0 === null) return;
    const s = panel.getAttribute('data-state');
    if (s !== 'ready') left = true;
    else if (left) done();
  });
  observer.observe(panel, { attributes: true, attributeFilter: ['data-state'] });
  document.addEventListener('mouseup', () => { t0 = performance.now(); },
                            { capture: true, once: true });
  setTimeout(() => {
    observer.disconnect();
    reject(new Error('panel never became ready again'));
  }, 60000);
}); }
"""


def bench_zoom(browser: Any, base_url: str, reps: int) -> dict[str, Any]:
    """(c) Drag-zoom on the 10M-point panel: mouse-up -> refetched and ready again."""
    page = new_page(browser)
    samples: list[float] = []
    modes: list[str | None] = []
    notes: list[str] = []
    try:
        page.goto(f"{base_url}/{ENTITY}/{ZOOM_PROJECT}")
        panel = page.locator(f'[role=figure][aria-label="{ZOOM_KEY}"]').first
        page.locator(f'[role=figure][aria-label="{ZOOM_KEY}"][data-state=ready]').wait_for()
        for rep in range(reps + 1):
            canvas = panel.locator(".u-over").first
            box = canvas.bounding_box()
            # a different window each time (never answered from a cache)
            a = 0.15 + 0.5 * (rep / (reps + 1))
            b = a + 0.2 - 0.1 * (rep % 2)
            y = box["y"] + box["height"] / 2
            handle = panel.element_handle()
            page.evaluate(ZOOM_PROBE, handle)
            page.mouse.move(box["x"] + box["width"] * a, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * b, y, steps=5)
            with page.expect_request(lambda r: "x_min" in (r.post_data or r.url)) as req:
                page.mouse.up()
            elapsed = page.evaluate("() => window.__cairnZoom") / 1000
            if rep > 0:  # the first is a warm-up
                samples.append(elapsed)
                modes.append(panel.get_attribute("data-mode"))
            del req
            # back to the full range for the next drag
            page.mouse.dblclick(box["x"] + box["width"] / 2, y)
            page.locator(f'[role=figure][aria-label="{ZOOM_KEY}"][data-state=ready]').wait_for()
        if page.errors:
            notes.append(f"page errors: {page.errors[:3]}")
    finally:
        page.context.close()
    return {"c_zoom": statistics.median(samples), "c_zoom_all": samples, "c_modes": modes,
            "notes": notes}  # fmt: skip


def bench_bundle() -> dict[str, Any]:
    """(d) Gzipped size of the JS index.html loads up front (entry script + modulepreloads)."""
    html = (WEBUI / "index.html").read_text()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    preloads = re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"', html)
    preloads += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="modulepreload"', html)
    css = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    files = {p: WEBUI / p.lstrip("/") for p in dict.fromkeys(scripts + preloads)}
    sizes = {p: len(gzip.compress(f.read_bytes(), 9)) for p, f in files.items()}
    css_gz = sum(len(gzip.compress((WEBUI / c.lstrip("/")).read_bytes(), 9)) for c in css)
    raw = sum(f.stat().st_size for f in files.values())
    return {"d_js": sum(sizes.values()) / 1000, "d_files": sizes, "d_raw_kb": raw / 1000,
            "d_css_kb": css_gz / 1000}  # fmt: skip


# -- main --------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value * 1000:,.0f} ms"
    if unit == "kB":
        return f"{value:,.1f} kB"
    return f"{value:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data: a smoke check")
    parser.add_argument("--parts", default="a,b,c,d,e", help="which measurements (a,b,c,d,e)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions per timing")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--data", type=Path, help="data directory to reuse across calls")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    sizes = QUICK if args.quick else FULL
    if not (WEBUI / "index.html").is_file():
        sys.exit("the web app is not built: run `make ui`")

    results: dict[str, Any] = {}
    notes: list[str] = []
    if "d" in parts:
        results.update(bench_bundle())

    server: ServerProcess | None = None
    size_label = "quick" if args.quick else "full"
    tmp = args.data or Path(tempfile.mkdtemp(prefix="cairn-bench-ui-"))
    tmp.mkdir(parents=True, exist_ok=True)

    def once(part: str) -> bool:
        """Whether the data of ``part`` still has to be built (always, without --data)."""
        return args.data is None or not (tmp / f"built-{part}-{size_label}").exists()

    def built(part: str) -> None:
        (tmp / f"built-{part}-{size_label}").touch()

    try:
        if parts & {"a", "b", "c", "e"}:
            t = time.perf_counter()
            if "b" in parts and once("b"):
                populate_table(tmp / "data", sizes.table_runs)
                print(f"built {sizes.table_runs:,} runs by SQL in {time.perf_counter() - t:.1f} s",
                      flush=True)  # fmt: skip
                built("b")
            server = start_server(tmp / "data", env={"CAIRN_SERVER_AUTH": "open"})
            with httpx.Client(base_url=server.base_url, timeout=300) as client:
                if "a" in parts and once("a"):
                    t = time.perf_counter()
                    n = ingest_charts(client, sizes)
                    built("a")
                    print(f"ingested {n:,} chart points in {time.perf_counter() - t:.1f} s",
                          flush=True)  # fmt: skip
                if "c" in parts and once("c"):
                    t = time.perf_counter()
                    n = ingest_zoom(client, sizes)
                    built("c")
                    print(f"ingested a {n:,}-point series in {time.perf_counter() - t:.1f} s",
                          flush=True)  # fmt: skip
                if "e" in parts and once("e"):
                    t = time.perf_counter()
                    n = ingest_media(client, ENTITY, sizes.media_steps)
                    built("e")
                    print(f"ingested 2 x {sizes.media_steps:,} images ({n / 2**20:.0f} MiB) in "
                          f"{time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                try:
                    # warm the server and the browser's code cache once
                    warm = new_page(browser)
                    warm.goto(server.base_url + "/")
                    warm.get_by_role("heading", name="Projects").wait_for()
                    warm.context.close()

                    def media(browser: Any, base_url: str, reps: int) -> dict[str, Any]:
                        return bench_media_panel(
                            new_page, browser, base_url, ENTITY, sizes.media_timed
                        )

                    for part, fn in (("a", bench_workspace), ("b", bench_table),
                                     ("c", bench_zoom), ("e", media)):  # fmt: skip
                        if part not in parts:
                            continue
                        t = time.perf_counter()
                        try:
                            found = fn(browser, server.base_url, args.reps)
                        except Exception as error:
                            notes.append(f"({part}) failed: {type(error).__name__}: {error}")
                            continue
                        notes += [f"({part}) {n}" for n in found.pop("notes", [])]
                        results.update(found)
                        print(f"({part}) done in {time.perf_counter() - t:.1f} s", flush=True)
                finally:
                    browser.close()
    finally:
        if server is not None:
            server.stop()
        if args.keep or args.data is not None:
            print(f"data kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    label = "QUICK (small data, not the goal's sizes)" if args.quick else "full"
    print(f"\nCairn web app benchmark, {label}: {sizes}")
    print(f"{'figure':<55} {'measured':>12} {'goal':>10}")
    for key, (what, goal, unit) in GOALS.items():
        if key not in results:
            continue
        goal_text = "-" if goal is None else ("≤ " + fmt(goal, unit))
        print(f"{what:<55} {fmt(results[key], unit):>12} {goal_text:>10}")
    for key in ("a_first_all", "a_all_all", "b_rows_all", "c_zoom_all"):
        if results.get(key):
            print(f"  {key}: " + ", ".join(f"{v * 1000:.0f}" for v in results[key]) + " ms")
    for key in ("b_early", "b_steady", "b_fling", "b_stop", "b_coast"):
        if key in results:
            shown = {k: v for k, v in results[key].items() if k != "all"}
            print(f"  {key} (median): {shown}")
            print(f"    each: {results[key]['all']}")
    for key in ("a_panels_ready", "a_toolbar", "c_modes", "d_files", "d_raw_kb", "d_css_kb",
                "e_requests_open", "e_on_screen", "e_requests_total", "e_steps_timed",
                "e_step_max"):  # fmt: skip
        if key in results:
            print(f"  {key}: {results[key]}")
    for note in notes:
        print(f"  note: {note}")
    print("\nPeers, for context (from the issue):")
    for peer in PEERS:
        print(f"  - {peer}")


if __name__ == "__main__":
    main()
