"""Media logged by the unmodified ``wandb`` client become Cairn's media (design 0016).

W&B's media references are already Cairn's value shape (DESIGN.md, "Media are values in W&B's
reference shape"): the image, histogram and table arrive as values, their bytes as run files,
and Cairn's media routes and table engine serve them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.compat.wandb_client import CairnReader, run_id_of, run_script
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(300)

SCRIPT = """
    import numpy as np, wandb
    run = wandb.init(entity="mia", project="media")
    pixels = np.zeros((8, 12, 3), dtype=np.uint8)
    pixels[:, :6, 0] = 255
    for step in range(2):
        table = wandb.Table(columns=["id", "score"], data=[[i, i * 0.5 + step] for i in range(4)])
        run.log({
            "img": wandb.Image(pixels, caption=f"red {step}"),
            "hist": wandb.Histogram(np.arange(100) % 10),
            "preds": table,
            "loss": 1.0 - step,
        })
    run.finish()
    print("RUN", run.id)
"""


def test_images_histograms_and_tables_show_as_cairn_media(
    server: ServerProcess, tmp_path: Path
) -> None:
    result = run_script(SCRIPT, server.base_url, tmp_path)
    path = f"mia/media/{run_id_of(result)}"
    cairn = CairnReader(server.base_url)

    media = {m["key"]: m for m in cairn.client.get(f"/runs/{path}/keys").json()["media"]}
    assert media["img"]["type"] == "image-file"
    assert media["hist"]["type"] == "histogram"
    assert media["preds"]["type"] == "table-file"

    images = cairn.values(path, "img")
    assert [step for step, _ in images] == [0, 1]
    image = images[1][1]
    assert image["caption"] == "red 1"
    assert (image["width"], image["height"]) == (12, 8)
    png = cairn.client.get(f"/runs/{path}/media/{image['sha256']}")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert hashlib.sha256(png.content).hexdigest() == image["sha256"]
    assert cairn.file_bytes(path, image["path"]) == png.content

    hist = cairn.values(path, "hist")[0][1]
    assert sum(hist["values"]) == 100

    page = cairn.client.post(
        f"/runs/{path}/tables/query", json={"key": "preds", "step": 1, "limit": 10}
    )
    assert page.status_code == 200, page.text
    body = page.json()
    rows = body["rows"]
    assert len(rows) == 4
    assert [row[1] if isinstance(row, list) else row["score"] for row in rows] == [
        1.0,
        1.5,
        2.0,
        2.5,
    ]
    assert cairn.history(path, "loss") == [(0, 1.0), (1, 0.0)]
