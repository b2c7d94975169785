"""Binary columnar history answers (``application/vnd.cairn.columns``) for the web app.

Layout, little-endian: the 4 bytes ``CCOL``, a u32 header length, that many bytes of JSON header,
zero padding to a multiple of 8, then for each series of the header, in order, each of its
``arrays`` as ``n`` float64 values. The browser views them as ``Float64Array`` without copying
or parsing; NaN and infinities travel as themselves.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import orjson
from fastapi import Request
from fastapi.responses import Response

from cairn.server.encoding import JSONBytesResponse, float_list
from cairn.server.store.base import SeriesWindow
from cairn.server.store.records import RunRecord

COLUMNS_TYPE = "application/vnd.cairn.columns"
MAGIC = b"CCOL"
BUCKET_ARRAYS = ("x", "last", "min", "max", "mean", "count", "std")
# What a bucketed window carries when no ``columns`` are asked: std only on request, so answers
# stay the size they were for clients that do not draw it.
DEFAULT_BUCKET_ARRAYS = ("x", "last", "min", "max", "mean", "count")
BucketColumn = Literal["last", "min", "max", "mean", "count", "std"]


@dataclass(frozen=True)
class WindowItem:
    """One series window of one run, with the offset already taken off its x."""

    run: RunRecord
    key: str
    window: SeriesWindow
    x_offset: float = 0.0

    def arrays(
        self, columns: Sequence[str] | None = None
    ) -> dict[str, np.ndarray[Any, np.dtype[np.float64]]]:
        """x and y arrays; bucketed windows only the ``columns`` asked (default all but std)."""
        w = self.window
        x = w.x - self.x_offset if self.x_offset else w.x
        out = {"x": x.astype(np.float64, copy=False), "last": w.last}
        if w.mode == "buckets":
            out |= {"min": w.min, "max": w.max, "mean": w.mean}
            out["count"] = w.count.astype(np.float64)
            out["std"] = w.std
            wanted = DEFAULT_BUCKET_ARRAYS if columns is None else ("x", *columns)
            out = {name: out[name] for name in BUCKET_ARRAYS if name in wanted}
        return out


def window_json(item: WindowItem, columns: Sequence[str] | None = None) -> dict[str, Any]:
    """A window as the JSON answer shape (non-finite values as strings)."""
    out: dict[str, Any] = {
        "run": item.run.path,
        "key": item.key,
        "mode": item.window.mode,
        "total": item.window.total,
    }
    for name, values in item.arrays(columns).items():
        out[name] = values.astype(np.int64).tolist() if name == "count" else float_list(values)
    return out


def encode_columns(
    x_axis: str,
    x_key: str | None,
    items: Sequence[WindowItem],
    columns: Sequence[str] | None = None,
) -> bytes:
    """Encode windows in the binary columnar layout described in this module's docstring."""
    header_series = []
    bodies: list[bytes] = []
    for item in items:
        arrays = item.arrays(columns)
        names = list(arrays)
        n = len(arrays["x"])
        header_series.append(
            {
                "run": item.run.path,
                "key": item.key,
                "mode": item.window.mode,
                "total": item.window.total,
                "n": n,
                "arrays": names,
            }
        )
        for name in names:
            bodies.append(np.ascontiguousarray(arrays[name], dtype="<f8").tobytes())
    header = orjson.dumps({"x_axis": x_axis, "x_key": x_key, "series": header_series})
    pad = (-(8 + len(header))) % 8
    return b"".join([MAGIC, struct.pack("<I", len(header)), header, b"\0" * pad, *bodies])


def wants_columns(request: Request) -> bool:
    """True when the client asked for the binary columnar answer."""
    return COLUMNS_TYPE in request.headers.get("accept", "")


def history_response(
    request: Request,
    x_axis: str,
    x_key: str | None,
    items: Sequence[WindowItem],
    columns: Sequence[str] | None = None,
) -> Response:
    """The history answer in the form the ``Accept`` header asks for (JSON by default)."""
    if wants_columns(request):
        body = encode_columns(x_axis, x_key, items, columns)
        return Response(body, media_type=COLUMNS_TYPE)
    series = [window_json(i, columns) for i in items]
    return JSONBytesResponse({"x_axis": x_axis, "x_key": x_key, "series": series})
