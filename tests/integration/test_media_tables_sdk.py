"""Tables and plots logged by the real SDK, read through the server's tables engine over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import cairn
from tests.serverproc import ServerProcess


def _query(server: ServerProcess, run: Any, **body: Any) -> Any:
    response = httpx.post(
        f"{server.base_url}/api/v1/runs/{run.path}/tables/query", json=body, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def _value(server: ServerProcess, run: Any, key: str) -> Any:
    response = httpx.get(
        f"{server.base_url}/api/v1/runs/{run.path}/values", params={"key": key}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["values"][-1]["value"]


def test_tables_with_shared_image_cells_incremental_and_joined(
    server: ServerProcess,
    workdir: Path,
) -> None:
    rng = np.random.default_rng(1)
    thumbs = [cairn.Image(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)) for _ in range(3)]
    table = cairn.Table(columns=["id", "image", "label", "score"])
    for row in range(60):
        table.add_data(row, thumbs[row % 3], ["cat", "dog"][row % 2], row / 60)
    growing = cairn.Table(columns=["epoch", "acc"], log_mode="INCREMENTAL")
    left = cairn.Table(columns=["id", "truth"], data=[[1, "a"], [2, "b"], [3, "c"]])
    right = cairn.Table(columns=["key", "guess"], data=[[2, "b"], [3, "x"], [4, "d"]])

    run = cairn.init(project="tables", settings={"base_url": server.base_url})
    run.log({"preds": table}, step=0)
    for epoch in range(2):
        growing.add_data(epoch, 0.5 + epoch / 10)
        run.log({"history": growing}, step=epoch)
    growing.add_data(2, 0.8)  # after the last log: not recorded
    run.log({"pairs": cairn.JoinedTable(left, right, ["id", "key"])}, step=1)
    run.finish()

    page = _query(server, run, key="preds", sort=[{"column": "score", "order": "desc"}], limit=5)
    assert page["total"] == 60
    names = [c["name"] for c in page["columns"]]
    assert names == ["id", "image", "label", "score"]
    first = dict(zip(names, page["rows"][0], strict=True))
    assert first["id"] == 59
    assert first["label"] == "dog"
    image = first["image"]
    assert image["_type"] == "image-file"
    served = httpx.get(f"{server.base_url}{image['url']}", timeout=30)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content.startswith(b"\x89PNG")
    # the three shared images were written once each, not once per row
    cells = _query(server, run, key="preds", limit=60)["rows"]
    assert len({row[1]["sha256"] for row in cells}) == 3
    files = httpx.get(
        f"{server.base_url}/api/v1/runs/{run.path}/files",
        params={"prefix": "media/images/"},
        timeout=30,
    ).json()["files"]
    assert len(files) == 3

    filtered = _query(server, run, key="preds", expr="label = cat and score >= 0.5")
    assert filtered["total"] == 15

    history = _query(server, run, key="history")
    assert history["rows"] == [[0, 0.5], [1, pytest.approx(0.6)]]

    joined = _query(server, run, key="pairs")
    assert joined["total"] == 2
    assert sorted(row[0] for row in joined["rows"]) == [2, 3]


def test_plots_log_a_chart_and_its_table(
    server: ServerProcess,
    workdir: Path,
) -> None:
    truth = [0, 1, 2, 2, 1, 0, 1]
    preds = [0, 1, 1, 2, 1, 0, 2]
    probs = np.eye(3)[preds] * 0.7 + 0.1
    run = cairn.init(project="plots", settings={"base_url": server.base_url})
    run.log(
        {
            "cm": cairn.plot.confusion_matrix(
                y_true=truth, preds=preds, class_names=["a", "b", "c"]
            ),
            "roc": cairn.plot.roc_curve(truth, probs, labels=["a", "b", "c"]),
        },
        step=3,
    )
    run.finish()

    chart = _value(server, run, "cm")
    assert chart["_type"] == "chart"
    assert chart["chart"] == "confusion_matrix"
    assert chart["table_key"] == "cm_table"
    table = _query(server, run, key="cm_table", limit=100)
    names = [c["name"] for c in table["columns"]]
    for field in chart["fields"].values():
        assert field in names
    rows = [dict(zip(names, row, strict=True)) for row in table["rows"]]
    count = chart["fields"]["value"]
    actual, predicted = chart["fields"]["y"], chart["fields"]["x"]
    b_as_c = [r[count] for r in rows if r[actual] == "b" and r[predicted] == "c"]
    c_as_b = [r[count] for r in rows if r[actual] == "c" and r[predicted] == "b"]
    assert b_as_c == [1]
    assert c_as_b == [1]

    roc = _value(server, run, "roc")
    assert roc["chart"] == "roc_curve"
    curve = _query(server, run, key=roc["table_key"], limit=1000)
    assert curve["total"] > 0
    assert {c["name"] for c in curve["columns"]} >= set(roc["fields"].values())
