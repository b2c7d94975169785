"""The media and table panels (design 0010): each panel type opened in the workspace on a project
the SDK filled with every media type (seed_media.py), checked for what it shows.

What these tests rely on (what the page provides):
- a generated media panel is ``data-testid=panel`` with ``data-panel-id="media:<key>"``, its
  ``data-panel-type`` from the registry and ``data-state="ready"`` once drawn;
- an image with boxes is a ``<figure>`` with ``data-boxes`` (the boxes its overlay draws), in a
  run column named ``images of <run>``; class toggles are buttons named ``Show class <name>``;
- the step slider's buttons are ``Previous/Next step of <key>`` and it says ``step N``;
- the table panel's filter box is "Filter rows", headers are buttons "Sort by <column>", the
  footer says "N rows";
- the confusion matrix carries its counts as a screen-reader table beside the canvas.

Panel settings are saved in the project's workspace on the server: every test starts from an
empty layout so none depends on another's clicks.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser import seed_media
from tests.browser.conftest import MediaSeeded, screenshot, screenshot_of

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ALL_RUNS = [*seed_media.RUNS, seed_media.IMAGES_ONLY_RUN]
# the boxes on each image: 3 predictions (cat, dog, bird 0.15) + 1 ground truth (cat)
BOXES = 4

# the number of pixels of a canvas (or a rectangle of it) that are not transparent
OPAQUE_PIXELS = """([canvas, x0, y0, x1, y1]) => {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  const data = ctx.getImageData(0, 0, w, h).data;
  let n = 0;
  for (let y = Math.floor(y0 * h); y < Math.floor(y1 * h); y++)
    for (let x = Math.floor(x0 * w); x < Math.floor(x1 * w); x++)
      if (data[(y * w + x) * 4 + 3] > 0) n++;
  return n;
}"""


@pytest.fixture(autouse=True)
def fresh_workspace(media_seeded: MediaSeeded) -> None:
    """Forget the layout (and so every panel's settings) an earlier test saved."""
    answer = httpx.put(
        f"{media_seeded.base_url}/api/v1/projects/{media_seeded.entity}/{media_seeded.project}"
        "/workspace",
        json={"layout": {}},
        timeout=10,
    )
    answer.raise_for_status()


def _open(page: Any, seeded: MediaSeeded) -> None:
    page.goto(seeded.workspace_url())
    runs = page.get_by_role("table", name="Runs")
    expect(runs.get_by_role("link", name="detector-a", exact=True)).to_be_visible()


def _panel(page: Any, key: str, panel_type: str) -> Any:
    """The generated panel of a media key, scrolled on screen and drawn."""
    panel = page.locator(f'[data-testid="panel"][data-panel-id="media:{key}"]')
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("data-panel-type", panel_type)
    expect(panel).to_have_attribute("data-state", "ready")
    return panel


def _opaque(canvas: Any, box: tuple[float, float, float, float] = (0, 0, 1, 1)) -> int:
    """Non-transparent pixels of a 2D canvas within `box` (fractions of its width and height)."""
    return int(canvas.evaluate(f"(c) => ({OPAQUE_PIXELS})([c, {', '.join(map(str, box))}])"))


def _run_keys(seeded: MediaSeeded, name: str) -> list[dict[str, Any]]:
    path = f"{seeded.entity}/{seeded.project}/{seeded.run_id(name)}"
    answer = httpx.get(f"{seeded.base_url}/api/v1/runs/{path}/keys", timeout=10)
    answer.raise_for_status()
    media: list[dict[str, Any]] = answer.json()["media"]
    return media


def test_image_panel_draws_boxes_that_toggles_and_threshold_hide(
    page: Any, media_seeded: MediaSeeded
) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "detections", "image")
    images = panel.locator("figure[data-boxes]")
    expect(images).to_have_count(len(ALL_RUNS))
    for i in range(len(ALL_RUNS)):
        expect(images.nth(i)).to_have_attribute("data-boxes", str(BOXES))
    screenshot_of(panel, "media-images")
    first = images.first
    overlay = first.locator("canvas.media-overlay")
    with_boxes = _opaque(overlay)
    assert with_boxes > 0

    # hiding "cat" hides its prediction and its ground-truth box
    cat = panel.get_by_role("button", name="Show class cat")
    cat.click()
    expect(cat).to_have_attribute("aria-pressed", "false")
    expect(first).to_have_attribute("data-boxes", str(BOXES - 2))
    cat.click()
    expect(first).to_have_attribute("data-boxes", str(BOXES))

    # a threshold of 0.5 on "conf" hides the bird (0.15); the ground truth has no score: kept
    panel.get_by_role("combobox", name="Score to threshold on").select_option("conf")
    panel.get_by_role("slider", name="Minimum conf").fill("0.5")
    expect(first).to_have_attribute("data-boxes", str(BOXES - 1))

    # boxes and masks off: the overlay is empty; boxes alone draw something
    # (settings save through the workspace cache, which re-renders a tick after the click:
    # click and wait for the state rather than check(), which wants it at once)
    masks = panel.get_by_role("checkbox", name="Masks")
    boxes = panel.get_by_role("checkbox", name="Boxes")
    masks.click()
    expect(masks).not_to_be_checked()
    boxes.click()
    expect(boxes).not_to_be_checked()
    expect(first).to_have_attribute("data-boxes", "0")
    assert _opaque(overlay) == 0
    boxes.click()
    expect(first).to_have_attribute("data-boxes", str(BOXES - 1))
    assert 0 < _opaque(overlay) < with_boxes


def test_image_panel_steps_and_shows_runs_side_by_side(
    page: Any, media_seeded: MediaSeeded
) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "detections", "image")
    last = seed_media.IMAGE_STEPS[-1]
    expect(panel.locator(".media-step")).to_have_text(f"step {last}")
    # every run's column lies inside the panel (three runs used to run off its right edge)
    frame = panel.bounding_box()
    for name in ALL_RUNS:
        column = panel.get_by_role("region", name=f"images of {name}")
        expect(column.locator("img")).to_be_visible()
        box = column.bounding_box()
        assert box["x"] >= frame["x"]
        assert box["x"] + box["width"] <= frame["x"] + frame["width"]
    image = panel.get_by_role("region", name="images of detector-a").locator("img")
    before = image.get_attribute("src")
    with page.expect_request(lambda r: "/media/" in r.url and r.resource_type == "image"):
        panel.get_by_role("button", name="Previous step of detections").click()
    expect(panel.locator(".media-step")).to_have_text(f"step {seed_media.IMAGE_STEPS[-2]}")
    expect(image).not_to_have_attribute("src", before)
    expect(image).to_have_attribute("alt", f"step {seed_media.IMAGE_STEPS[-2]}")
    # the slider goes straight to a step
    panel.get_by_role("slider", name="Step of detections").fill("0")
    expect(panel.locator(".media-step")).to_have_text("step 0")
    expect(image).to_have_attribute("alt", "step 0")
    loaded = image.evaluate("(img) => img.decode().then(() => img.naturalWidth)")
    assert loaded == seed_media.SIZE


def test_gallery_shows_every_image(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "samples", "image")
    column = panel.get_by_role("region", name="images of detector-a")
    expect(column.locator("img")).to_have_count(4)
    expect(column.locator("figcaption")).to_have_text([f"sample {k}" for k in range(4)])
    expect(panel.get_by_role("region", name="images of detector-c")).to_contain_text(
        "This run has no images"
    )


def test_histogram_panel_draws_a_heatmap_with_a_readout(
    page: Any, media_seeded: MediaSeeded
) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "weights", "histogram")
    canvas = panel.locator("canvas[aria-label='Histograms of detector-a over steps']")
    expect(canvas).to_be_visible()
    # the plot area (right of the value labels) is filled
    assert _opaque(canvas, (0.3, 0.05, 0.95, 0.8)) > 1000
    screenshot_of(panel, "media-histogram")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    readout = panel.get_by_role("tooltip")
    expect(readout).to_have_text(re.compile(r"^step \d+ · .+ to .+ · count \d"))
    panel.get_by_role("radio", name="Latest step").click()
    expect(
        panel.locator("canvas[aria-label='Histogram of detector-a at its latest step']")
    ).to_be_visible()


def _fetch(page: Any, src: str) -> Any:
    """GET through the page's context (its cookies), as the element's own request would."""
    return page.request.get(src)


def test_audio_and_video_panels_play_what_the_server_serves(
    page: Any, media_seeded: MediaSeeded
) -> None:
    _open(page, media_seeded)
    audio = _panel(page, "tone", "audio").locator("audio")
    expect(audio).to_have_count(len(seed_media.RUNS))
    for i in range(len(seed_media.RUNS)):
        answer = _fetch(page, audio.nth(i).evaluate("(a) => a.currentSrc || a.src"))
        assert answer.status == 200
        assert answer.headers["content-type"] == "audio/wav"
        assert answer.body()[:4] == b"RIFF"
    video = _panel(page, "rollout", "video").locator("img.media-video")
    expect(video).to_have_count(len(seed_media.RUNS))
    answer = _fetch(page, video.first.evaluate("(v) => v.currentSrc || v.src"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/gif"
    assert answer.body()[:6] in (b"GIF89a", b"GIF87a")
    assert video.first.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 32


def test_html_panel_sandboxes_the_page_script(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "report", "html")
    frame = panel.locator("iframe.media-html").first
    expect(frame).to_have_attribute("sandbox", "allow-scripts")
    assert "allow-same-origin" not in (frame.get_attribute("sandbox") or "")
    # the page's script ran, in its own opaque origin...
    inner = panel.frame_locator("iframe.media-html").first
    expect(inner.locator("#title")).to_have_text("Evaluation report (script ran)")
    # ...and reached nothing of the app
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator("body")).not_to_contain_text("pwned")
    # the app still works
    page.get_by_role("table", name="Runs").get_by_role("link", name="detector-b").click()
    expect(page).to_have_url(re.compile(rf"/runs/{media_seeded.run_id('detector-b')}"))


def test_text_panel_renders_markdown_but_no_script_or_link(
    page: Any, media_seeded: MediaSeeded
) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "notes", "text")
    column = panel.get_by_role("region", name="text of detector-a")
    expect(column.get_by_role("heading", name="Sample generations", level=1)).to_be_visible()
    expect(column.get_by_role("heading", name="Prompt 1", level=2)).to_be_visible()
    expect(column.locator("strong")).to_have_text("model")
    expect(column.get_by_role("listitem")).to_have_count(2)
    # the javascript: link is shown as text, not as a link; the raw <img> is not an element
    expect(column).to_contain_text("click me")
    expect(column.get_by_role("link")).to_have_count(0)
    expect(column.locator("img")).to_have_count(0)
    assert page.evaluate("() => window.__xss") is None


def _table_footer(panel: Any) -> Any:
    return panel.locator(".tp-footer")


def _first_row(panel: Any) -> Any:
    return panel.locator('[role="row"][aria-rowindex="2"]')


def test_table_panel_sorts_filters_groups_and_exports(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "predictions", "table")
    n = seed_media.TABLE_ROWS
    stacked = n * len(seed_media.RUNS)
    expect(_table_footer(panel)).to_contain_text(f"{stacked:,} rows")
    headers = panel.get_by_role("columnheader")
    expect(headers).to_have_text(["run", "id", "image", "pred", "truth", "score"])
    # image cells are thumbnails that load
    thumb = _first_row(panel).locator("img.tp-thumb")
    expect(thumb).to_be_visible()
    assert (
        thumb.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == seed_media.SIZE // 4
    )
    screenshot_of(panel, "media-table")

    # sort by score: ascending, then descending puts the last id first
    sort = panel.get_by_role("button", name="Sort by score")
    sort.click()
    expect(panel.get_by_role("columnheader", name=re.compile("score"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    sort.click()
    expect(panel.get_by_role("columnheader", name=re.compile("score"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(_first_row(panel).get_by_role("gridcell").nth(1)).to_have_text(str(n - 1))

    # a filter expression narrows the rows: score > 0.9 keeps ids 289..319 of each run
    box = panel.get_by_role("searchbox", name="Filter rows")
    box.fill("score > 0.9")
    box.press("Enter")
    kept = sum(1 for i in range(n) if round(i / n, 4) > 0.9) * len(seed_media.RUNS)
    expect(_table_footer(panel)).to_contain_text(f"{kept} rows")

    # the export is the filtered rows, as CSV with the header
    with page.expect_download() as download:
        panel.get_by_role("button", name="Export CSV").click()
    text = Path(download.value.path()).read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["run", "id", "image", "pred", "truth", "score"]
    assert len(rows) == kept + 1

    # a bad filter shows the server's message, not a broken panel
    box.fill("score >")
    box.press("Enter")
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("Filter:")
    expect(alert).to_have_text(re.compile(r"Filter: .*\w{3,}"))

    # group by a column: one row per value with its count
    box.fill("")
    box.press("Enter")
    expect(_table_footer(panel)).to_contain_text(f"{stacked:,} rows")
    panel.get_by_role("combobox", name="Group by").select_option("truth")
    groups = panel.get_by_role("table", name=re.compile("Rows grouped by truth"))
    expect(groups.locator("tbody tr")).to_have_count(len(seed_media.LABELS))
    for label in seed_media.LABELS:
        count = sum(1 for i in range(n) if seed_media.LABELS[i % 3] == label) * len(seed_media.RUNS)
        row = groups.locator("tbody tr").filter(has_text=label)
        expect(row.locator("td").nth(1)).to_have_text(str(count))


def test_incremental_table_shows_every_part(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "progress", "table")
    # 3 rows in the first part, 2 in the second, for each of the two runs
    expect(_table_footer(panel)).to_contain_text(f"{5 * len(seed_media.RUNS)} rows")


def test_confusion_matrix_shows_classes_and_counts(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "cm", "chart")
    run = panel.get_by_role("combobox", name="Run")
    shown = run.locator("option:checked").inner_text()
    assert shown in seed_media.RUNS  # the images-only run has no chart: not picked
    y, probs = seed_media._labels(ALL_RUNS.index(shown))
    preds = probs.argmax(axis=1)
    matrix = panel.locator("table", has_text="Confusion matrix")
    labels = seed_media.LABELS
    expect(matrix.locator("thead th")).to_have_text(["actual \\ predicted", *labels])
    for i, label in enumerate(labels):
        row = matrix.locator("tbody tr").nth(i)
        expect(row.locator("th")).to_have_text(label)
        counts = [str(int(np.sum((y == i) & (preds == j)))) for j in range(len(labels))]
        expect(row.locator("td")).to_have_text(counts)
    canvas = panel.get_by_role("img", name=re.compile("^Confusion matrix of 3 classes, 200"))
    expect(canvas).to_be_visible()
    assert _opaque(canvas) > 1000
    screenshot_of(panel, "media-confusion-matrix")
    # the other run's matrix
    other = next(r for r in seed_media.RUNS if r != shown)
    run.select_option(label=other)
    y2, probs2 = seed_media._labels(ALL_RUNS.index(other))
    first = str(int(np.sum((y2 == 0) & (probs2.argmax(axis=1) == 0))))
    expect(matrix.locator("tbody tr").first.locator("td").first).to_have_text(first)


@pytest.mark.parametrize(
    ("key", "name"), [("pr", "precision against recall"), ("roc", "tpr against fpr")]
)
def test_pr_and_roc_panels_draw_a_curve_per_class(
    page: Any, media_seeded: MediaSeeded, key: str, name: str
) -> None:
    _open(page, media_seeded)
    panel = _panel(page, key, "chart")
    plot = panel.get_by_role("img", name=f"{name}, {len(seed_media.LABELS)} series")
    expect(plot).to_be_visible()
    canvas = plot.locator("canvas").first
    assert _opaque(canvas) > 1000
    expect(panel.get_by_label("Legend")).to_have_text(re.compile("cat.*dog.*bird"))


def test_plotly_panel_draws_the_figure(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = _panel(page, "figure", "plotly")
    expect(panel.locator(".js-plotly-plot")).to_be_visible()
    expect(panel.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(panel.locator(".js-plotly-plot")).to_contain_text("plotly figure")
    # two traces: a line and bars
    expect(panel.locator(".js-plotly-plot .scatterlayer .trace")).to_have_count(1)
    expect(panel.locator(".js-plotly-plot .barlayer .trace")).to_have_count(1)


def test_object3d_panel_draws_the_point_cloud(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    panel = page.locator('[data-testid="panel"][data-panel-id="media:cloud"]')
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("data-state", re.compile("ready|error"))
    if panel.get_attribute("data-state") == "error":
        # a browser without WebGL: the panel says so instead of breaking
        expect(panel.get_by_role("alert")).to_contain_text("Could not draw cloud")
        pytest.skip("this Chromium has no WebGL; the panel said so")
    canvas = panel.get_by_role("img", name=re.compile("^3D point cloud cloud: 500 points, 1 boxes"))
    expect(canvas).to_be_visible()
    assert canvas.evaluate("(c) => !!(c.getContext('webgl2') || c.getContext('webgl'))")
    expect(panel.get_by_label("Boxes", exact=True)).to_contain_text("car")


def test_run_page_media_tab_has_a_panel_per_media_key(page: Any, media_seeded: MediaSeeded) -> None:
    keys = _run_keys(media_seeded, "detector-a")
    assert len(keys) >= 10
    page.goto(media_seeded.run_url("detector-a", "media"))
    panels = page.locator('[data-testid="panel"]')
    expect(panels).to_have_count(len(keys))
    ids = sorted(p.get_attribute("data-panel-id") for p in panels.all())
    assert ids == sorted(f"media:{k['key']}" for k in keys)
    detections = _panel(page, "detections", "image")
    expect(detections.locator("figure[data-boxes]")).to_have_count(1)
    expect(detections.locator("figure[data-boxes]")).to_have_attribute("data-boxes", str(BOXES))
    screenshot(page, "run-media-tab")


def test_add_panel_offers_media_keys(page: Any, media_seeded: MediaSeeded) -> None:
    _open(page, media_seeded)
    page.get_by_role("button", name="Add panel").click()
    dialog = page.get_by_role("dialog", name="Add panel")
    expected = {
        "Images": ["detections", "samples"],
        "Histogram": ["weights"],
        "Audio": ["tone"],
        "Table": ["cm_table", "predictions", "progress"],
        "HTML": ["report"],
    }
    for label, keys in expected.items():
        dialog.get_by_role("radio", name=label, exact=True).check()
        options = dialog.get_by_role("combobox", name="Key").locator("option").all_inner_texts()
        for key in keys:
            assert key in options, f"{label} does not offer {key}: {options}"
    dialog.get_by_role("radio", name="Images", exact=True).check()
    dialog.get_by_role("combobox", name="Key").select_option("samples")
    dialog.get_by_role("button", name="Add", exact=True).click()
    added = page.locator('[data-testid="panel"][data-panel-type="image"]')
    expect(added).to_have_count(3)
