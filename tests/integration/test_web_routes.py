"""The server serves the web app's pages with a strict CSP, and keeps /api paths for the API."""

from __future__ import annotations

import struct

import httpx
import numpy as np
import orjson

from cairn.server.api.columnar import COLUMNS_TYPE
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record, new_stream, post_batch


def test_pages_get_index_with_csp_and_api_paths_stay_json(tmp_path):
    server = start_server(tmp_path)
    try:
        client = httpx.Client(base_url=server.base_url)
        for page in ("/", "/someone/proj", "/someone/proj/runs/abc", "/login"):
            response = client.get(page)
            assert response.headers["content-type"].startswith("text/html")
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            assert response.headers["x-content-type-options"] == "nosniff"
        missing = client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        assert "no such endpoint" in missing.json()["detail"]
        assert client.get("/assets/..%2f..%2f__init__.py").status_code == 404
    finally:
        server.stop()


def _decode_columns(body: bytes) -> tuple[dict, list[dict[str, np.ndarray]]]:
    assert body[:4] == b"CCOL"
    (length,) = struct.unpack("<I", body[4:8])
    header = orjson.loads(body[8 : 8 + length])
    offset = 8 + length + (-(8 + length)) % 8
    series = []
    for entry in header["series"]:
        arrays = {}
        for name in entry["arrays"]:
            arrays[name] = np.frombuffer(body, "<f8", entry["n"], offset)
            offset += 8 * entry["n"]
        series.append(arrays)
    assert offset == len(body)
    return header, series


def test_history_binary_columns_match_json(tmp_path):
    server = start_server(tmp_path)
    try:
        client = httpx.Client(base_url=server.base_url)
        rows = [
            (s, 100.0 + s, {"loss": 1.0 / (s + 1), "acc": float("nan") if s == 3 else s})
            for s in range(300)
        ]
        assert post_batch(client, [history_record(rows)], 0, new_stream()).status_code == 200
        path = "/api/v1/runs/team/proj"
        run_id = "run00001"
        for buckets in (1000, 10):
            query = {"keys": ["loss", "acc"], "buckets": buckets}
            as_json = client.get(f"{path}/{run_id}/history", params=query).json()
            binary = client.get(
                f"{path}/{run_id}/history", params=query, headers={"Accept": COLUMNS_TYPE}
            )
            assert binary.headers["content-type"] == COLUMNS_TYPE
            header, arrays = _decode_columns(binary.content)
            assert [s["key"] for s in header["series"]] == [s["key"] for s in as_json["series"]]
            for entry, meta, columns in zip(
                as_json["series"], header["series"], arrays, strict=True
            ):
                assert meta["mode"] == entry["mode"]
                assert meta["total"] == entry["total"] == 300
                for name in meta["arrays"]:
                    expected = np.array([float(v) for v in entry[name]])
                    np.testing.assert_array_equal(columns[name], expected)
        nan_row = _decode_columns(
            client.get(
                f"{path}/{run_id}/history",
                params={"keys": ["acc"]},
                headers={"Accept": COLUMNS_TYPE},
            ).content
        )[1][0]["last"]
        assert np.isnan(nan_row[3])
        assert nan_row[4] == 4.0
    finally:
        server.stop()


def test_history_columns_trim_bucketed_windows_only(tmp_path):
    server = start_server(tmp_path)
    try:
        client = httpx.Client(base_url=server.base_url)
        rows = [(s, 100.0 + s, {"loss": float(s)}) for s in range(300)]
        assert post_batch(client, [history_record(rows)], 0, new_stream()).status_code == 200
        query = {"runs": ["team/proj/run00001"], "keys": ["loss"], "columns": ["min", "max"]}
        for buckets, expected in ((10, ["x", "min", "max"]), (1000, ["x", "last"])):
            response = client.post(
                "/api/v1/history",
                json={**query, "buckets": buckets},
                headers={"Accept": COLUMNS_TYPE},
            )
            header, _ = _decode_columns(response.content)
            assert header["series"][0]["arrays"] == expected
            as_json = client.post("/api/v1/history", json={**query, "buckets": buckets}).json()
            assert sorted(
                k for k in as_json["series"][0] if k in {"x", "last", "min", "max", "mean", "count"}
            ) == sorted(expected)
        bad = client.post("/api/v1/history", json={**query, "columns": ["median"]})
        assert bad.status_code == 422
    finally:
        server.stop()


def test_history_std_column_on_request_in_json_and_binary(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url)
    values = np.cos(np.arange(1000) / 40.0) * 3 + np.random.default_rng(5).normal(size=1000)
    values[17] = float("nan")
    rows = [(s, 100.0 + s, {"loss": float(v)}) for s, v in enumerate(values)]
    assert post_batch(client, [history_record(rows)], 0, new_stream()).status_code == 200
    run_url = "/api/v1/runs/team/proj/run00001/history"
    plain = client.get(run_url, params={"keys": "loss", "buckets": 10}).json()["series"][0]
    assert "std" not in plain  # the default set stays what it was
    width = 999 / 10
    bucket = np.minimum(np.floor(np.arange(1000) / width), 9)
    expected = [np.nanstd(values[bucket == b]) for b in range(10)]
    asks = [
        ("GET", run_url, {"params": {"keys": "loss", "buckets": 10, "columns": ["mean", "std"]}}),
        ("POST", "/api/v1/history", {"json": {"runs": ["team/proj/run00001"], "keys": ["loss"],
                                              "buckets": 10, "columns": ["mean", "std"]}}),
    ]  # fmt: skip
    for method, url, kwargs in asks:
        as_json = client.request(method, url, **kwargs).json()["series"][0]
        binary = client.request(method, url, headers={"Accept": COLUMNS_TYPE}, **kwargs)
        header, (arrays,) = _decode_columns(binary.content)
        assert header["series"][0]["arrays"] == ["x", "mean", "std"]
        assert sorted(as_json) == ["key", "mean", "mode", "run", "std", "total", "x"]
        np.testing.assert_array_equal(arrays["std"], np.array(as_json["std"], dtype=np.float64))
        np.testing.assert_allclose(arrays["std"], expected, rtol=1e-9)
    exact = client.get(run_url, params={"keys": "loss", "x_max": 5, "columns": ["std"]}).json()
    assert sorted(exact["series"][0]) == ["key", "last", "mode", "run", "total", "x"]
