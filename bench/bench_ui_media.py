"""Image-panel stepping, for bench_ui.py part (e): 2 runs with an image key logged at 1,000 steps
(256x256 RGB PNGs, each step's image its own), sent as the SDK sends them (the PNG from
``cairn.Image``'s encoder, the blob, its ``file`` record and the ``values`` record).

Measures on the workspace page, whose only panel is the image panel:

- the media requests made on opening the panel (until the network is idle): what is on screen
  (one image per run) and what is prefetched;
- per step, pressing → (once warm): from the key's ``keydown`` to the ``load`` event of the last
  of the new step's images in the panel (one per run), p50/p95 over ``steps`` steps.
"""

from __future__ import annotations

import hashlib
import os
import re
import statistics
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np

from cairn.media.base import EncodeContext
from cairn.media.image import Image
from cairn.wire import CONTENT_TYPE, encode_batch, encode_records

MEDIA_PROJECT = "images"
MEDIA_KEY = "samples"
MEDIA_RUNS = ("media-a", "media-b")
BATCH_RECORDS = 200
MEDIA_ROUTE = re.compile(r"/media/[0-9a-f]{64}$")  # the media route: one file's bytes


def image_of(run: int, step: int) -> np.ndarray:
    """A 256x256x3 image unique to (run, step): 2x2-pixel blocks of noise (a PNG of ~50 kB, the
    size of a photo's)."""
    rng = np.random.default_rng(run * 100_000 + step)
    blocks = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
    return np.kron(blocks, np.ones((2, 2, 1), dtype=np.uint8))


def _send(
    client: httpx.Client, entity: str, run_id: str, stream: bytes, offset: int, records: list[Any]
) -> int:
    """Post ``records`` as one batch at ``offset``; the next offset."""
    body = encode_batch(entity, MEDIA_PROJECT, run_id, stream, offset, encode_records(records),
                        level=1)  # fmt: skip
    response = client.post("/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE})
    response.raise_for_status()
    return offset + len(records)


def ingest_media(client: httpx.Client, entity: str, steps: int) -> int:
    """Log the image key for each run; the total bytes of PNG uploaded."""
    total = 0
    for r, run_id in enumerate(MEDIA_RUNS):
        stream, offset = os.urandom(16), 0
        records: list[Any] = [["run", {"name": run_id}]]
        for step in range(steps):
            encoded = Image(image_of(r, step)).encode(EncodeContext(MEDIA_KEY, step))
            for f in encoded.files:
                sha = hashlib.sha256(f.data).hexdigest()
                client.put(f"/api/v1/blobs/{sha}", content=f.data).raise_for_status()
                records.append(["file", {"path": f.path, "sha256": sha, "size": len(f.data)}])
                total += len(f.data)
            values = {"step": step, "time": 1.7e9 + step, "values": {MEDIA_KEY: encoded.value}}
            records.append(["values", values])
            if len(records) >= BATCH_RECORDS:
                offset, records = _send(client, entity, run_id, stream, offset, records), []
        records.append(["finish", {"time": 1.7e9 + steps, "exit_code": 0}])
        _send(client, entity, run_id, stream, offset, records)
    return total


# keydown (capture, before React sees it) and each <img> load inside the panel, page-side clocks
_PROBE = """() => {
  const probe = window.__cairnStep = { key: 0, load: 0 };
  window.addEventListener('keydown', () => { probe.key = performance.now(); }, true);
  document.addEventListener('load', (e) => {
    const t = e.target;
    if (t instanceof HTMLImageElement && t.closest('.media-panel')) probe.load = performance.now();
  }, true);
}"""

# the panel shows `step` (any when null) and every image in it is a new, loaded one
_SHOWN = """([step, before]) => {
  const panel = document.querySelector('.media-panel');
  if (!panel) return false;
  const label = panel.querySelector('.media-step');
  if (!label || (step !== null && label.textContent.trim() !== `step ${step}`)) return false;
  const imgs = [...panel.querySelectorAll('img')];
  return imgs.length > 0
    && imgs.every((i) => i.complete && i.naturalWidth > 0 && !before.includes(i.src));
}"""


def _srcs(page: Any) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.media-panel img')].map((i) => i.src)"
    )  # type: ignore[no-any-return]


def bench_media_panel(
    new_page: Callable[[Any], Any], browser: Any, base_url: str, entity: str, steps: int
) -> dict[str, Any]:
    """(e) Open the image panel; count its media requests; time → steps once warm.

    ``new_page(browser)``: a page as the other parts of bench_ui.py make them."""
    page = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if MEDIA_ROUTE.search(r.url) else None)
    try:
        page.goto(f"{base_url}/{entity}/{MEDIA_PROJECT}")
        panel = page.locator(f'[role=figure][aria-label="{MEDIA_KEY}"]')
        panel.locator(".media-panel img").first.wait_for()
        page.wait_for_function(_SHOWN, arg=[None, []])  # at the last step
        page.wait_for_load_state("networkidle")
        on_open = len(requests)
        on_screen = len(_srcs(page))
        # to the first step, then warm up over a few steps before timing
        page.evaluate(_PROBE)
        panel.get_by_role("slider", name=f"Step of {MEDIA_KEY}").focus()
        page.keyboard.press("Home")
        page.wait_for_function(_SHOWN, arg=[0, []])
        samples = []
        for i in range(10 + steps):
            before = _srcs(page)
            page.keyboard.press("ArrowRight")
            step = i + 1
            page.wait_for_function(_SHOWN, arg=[step, before])
            probe = page.evaluate("() => window.__cairnStep")
            if i >= 10:
                samples.append(probe["load"] - probe["key"])
        ordered = sorted(samples)
        return {
            "e_requests_open": on_open,
            "e_on_screen": on_screen,
            "e_requests_total": len(requests),
            "e_steps_timed": len(samples),
            "e_step_p50": statistics.median(samples) / 1000,
            "e_step_p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] / 1000,
            "e_step_max": ordered[-1] / 1000,
            "notes": [f"page error: {e}" for e in page.errors],
        }
    finally:
        page.context.close()
