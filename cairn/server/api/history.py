"""Metric history reads: keys of a run, bucketed windows, exact pages and full export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cairn.errors import InvalidInputError, NotFoundError
from cairn.server.api.columnar import BucketColumn, WindowItem, history_response
from cairn.server.api.deps import (
    MAX_OFFSET,
    Ctx,
    EntityName,
    ProjectName,
    RunDep,
    RunId,
    Who,
    resolve_run,
)
from cairn.server.encoding import JSONBytesResponse, float_list
from cairn.server.series import join
from cairn.server.series.downsample import bucket_width
from cairn.server.store.base import SeriesWindow, XAxis
from cairn.server.store.records import RunRecord
from cairn.wire import check_key

router = APIRouter(prefix="/api/v1", tags=["history"])
KeyPath = Annotated[str, Path(min_length=1, max_length=256, description="metric key")]

XAxisParam = Literal["step", "time", "relative"]
MAX_BUCKETS = 10_000
MAX_SERIES_PER_QUERY = 2_000
MAX_PAGE = 100_000
RUN_PATH = "/runs/{entity}/{project}/{run_id}"

Number = float | str
COLUMNS_HELP = (
    "bucketed windows carry x and only these arrays (default all but std); exact windows "
    "always carry x and last"
)


class SeriesKey(BaseModel):
    """One metric series of a run."""

    key: str
    kind: Literal["history", "system"]
    count: int
    step_min: int | None
    step_max: int | None
    last_value: Number | None


class MediaKeyOut(BaseModel):
    """A media key of a run: its latest value's ``_type``, how many values, their steps."""

    key: str
    type: str
    count: int
    step_min: int
    step_max: int


class ValueKeyOut(BaseModel):
    """A key of a run's plain values (strings, JSON): its latest value's JSON type (``string``,
    ``boolean``, ``number``, ``null``, ``array``, ``object``), how many values, their steps."""

    key: str
    type: str
    count: int
    step_min: int
    step_max: int


class KeysResponse(BaseModel):
    """The series a run has, its media keys (values with a ``_type``) and its plain value keys
    (other non-numeric values), each sorted by key."""

    keys: list[SeriesKey]
    media: list[MediaKeyOut]
    values: list[ValueKeyOut]


class SeriesWindowOut(BaseModel):
    """A window of one series in uPlot's columnar shape; non-finite values as strings.

    Exact windows carry the points as ``x`` and ``last``; ``min``, ``max``, ``mean`` and
    ``count`` come with bucketed windows only, and ``std`` (population, of each bucket's finite
    values) only when ``columns`` asks for it.
    """

    run: str
    key: str
    mode: Literal["exact", "buckets"]
    total: int
    x: list[Number]
    last: list[Number]
    min: list[Number] | None = None
    max: list[Number] | None = None
    mean: list[Number] | None = None
    count: list[int] | None = None
    std: list[Number] | None = None


class HistoryResponse(BaseModel):
    """Windows of the requested series; with ``x_key``, x holds that key's values."""

    x_axis: XAxisParam
    x_key: str | None = None
    series: list[SeriesWindowOut]


class HistoryQuery(BaseModel):
    """A multi-run history read."""

    runs: list[Annotated[str, Field(pattern=r"^[^/]+/[^/]+/[^/]+$", max_length=400)]] = Field(
        min_length=1, max_length=1000, description="entity/project/run_id"
    )
    keys: list[str] = Field(min_length=1, max_length=500)
    x_axis: XAxisParam = "step"
    x_min: float | None = None
    x_max: float | None = None
    buckets: int = Field(1000, ge=1, le=MAX_BUCKETS)
    x_key: str | None = Field(None, max_length=256, description="plot against this logged key")
    columns: list[BucketColumn] | None = Field(None, max_length=6, description=COLUMNS_HELP)


class PointsPage(BaseModel):
    """Exact points of one series in (step, arrival) order, and the next page's start."""

    steps: list[int]
    times: list[Number]
    values: list[Number]
    next_start: int | None


def _window_against(
    ctx: Ctx,
    run: RunRecord,
    key: str,
    x_key: str,
    x_min: float | None,
    x_max: float | None,
    buckets: int,
) -> SeriesWindow | None:
    """``key`` plotted against ``x_key``; None when the run lacks either series.

    A range on the x key is mapped to steps through the x key's own series (exact for keys that
    grow with the step, such as epoch or tokens seen), read again at full resolution there, and
    then filtered on x.
    """
    infos = {info.key: info for info in ctx.meta.list_series(run.pk)}
    if key not in infos or x_key not in infos:
        return None
    lo = float(min(infos[key].step_min or 0, infos[x_key].step_min or 0))
    hi = float(max(infos[key].step_max or 0, infos[x_key].step_max or 0))
    x_series = _one_window(ctx, run.pk, x_key, lo, hi, buckets)
    if x_min is not None or x_max is not None:
        x_values = x_series.last if x_series.mode == "exact" else x_series.mean
        inside = np.ones(len(x_values), dtype=bool)
        if x_min is not None:
            inside &= x_values >= x_min
        if x_max is not None:
            inside &= x_values <= x_max
        if not inside.any():
            return join.empty()
        margin = bucket_width(lo, hi, buckets)
        lo = max(lo, float(x_series.x[inside].min()) - margin)
        hi = min(hi, float(x_series.x[inside].max()) + 2 * margin)
        x_series = _one_window(ctx, run.pk, x_key, lo, hi, buckets)
    y_series = _one_window(ctx, run.pk, key, lo, hi, buckets)
    return join.within(join.join_on_step(y_series, x_series, lo, hi, buckets), x_min, x_max)


def _one_window(
    ctx: Ctx, run_pk: int, key: str, lo: float, hi: float, buckets: int
) -> SeriesWindow:
    window = ctx.meta.read_windows([(run_pk, key, "step", lo, hi)], buckets)[0]
    if window is None:
        raise NotFoundError(f"series {key!r} disappeared while it was read; retry")
    return window


def _read_windows(
    ctx: Ctx,
    run_list: list[RunRecord],
    keys: list[str],
    x_axis: XAxisParam,
    x_min: float | None,
    x_max: float | None,
    buckets: int,
    x_key: str | None = None,
) -> list[WindowItem]:
    if len(run_list) * len(keys) > MAX_SERIES_PER_QUERY:
        raise InvalidInputError(
            f"{len(run_list)} runs x {len(keys)} keys exceeds {MAX_SERIES_PER_QUERY} series per "
            "request; ask for fewer runs or keys at a time"
        )
    if x_min is not None and x_max is not None and x_min > x_max:
        raise InvalidInputError("x_min must not be greater than x_max")
    for key in keys:
        check_key(key)
    out: list[WindowItem] = []
    if x_key is not None:
        check_key(x_key, "x_key")
        for run in run_list:
            for key in keys:
                joined = _window_against(ctx, run, key, x_key, x_min, x_max, buckets)
                if joined is not None:
                    out.append(WindowItem(run, key, joined))
        return out
    axis: XAxis = "step" if x_axis == "step" else "time"
    wanted: list[tuple[RunRecord, str, float]] = []
    requests: list[tuple[int, str, XAxis, float | None, float | None]] = []
    for run in run_list:
        offset = run.created_at if x_axis == "relative" else 0.0
        lo = None if x_min is None else x_min + offset
        hi = None if x_max is None else x_max + offset
        for key in keys:
            wanted.append((run, key, offset))
            requests.append((run.pk, key, axis, lo, hi))
    windows = ctx.meta.read_windows(requests, buckets)
    for (run, key, offset), window in zip(wanted, windows, strict=True):
        if window is not None:  # a run without this key simply has no line for it
            out.append(WindowItem(run, key, window, offset))
    return out


@router.get(RUN_PATH + "/keys", response_model=KeysResponse)
def run_keys(run: RunDep, ctx: Ctx) -> JSONBytesResponse:
    """The metric series, media keys and plain value keys a run has."""
    infos = ctx.meta.list_series(run.pk)
    keys = [
        {
            "key": s.key,
            "kind": s.kind,
            "count": s.count,
            "step_min": s.step_min,
            "step_max": s.step_max,
            "last_value": None if s.last_value is None else float_list_one(s.last_value),
        }
        for s in infos
    ]
    media = [asdict(m) for m in ctx.meta.run_media_keys(run.pk)]
    values = [asdict(v) for v in ctx.meta.run_value_keys(run.pk)]
    return JSONBytesResponse({"keys": keys, "media": media, "values": values})


def float_list_one(value: float) -> Number:
    """One float as JSON-safe number or non-finite name."""
    import numpy as np

    return float_list(np.array([value], dtype=np.float64))[0]


@router.get(RUN_PATH + "/history", response_model=HistoryResponse)
async def run_history(
    entity: EntityName,
    project: ProjectName,
    run_id: RunId,
    ctx: Ctx,
    who: Who,
    request: Request,
    keys: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=256)]],
        Query(min_length=1, max_length=12, description="more keys: POST /history"),
    ],
    x_axis: XAxisParam = "step",
    x_min: float | None = None,
    x_max: float | None = None,
    buckets: Annotated[int, Query(ge=1, le=MAX_BUCKETS)] = 1000,
    x_key: Annotated[
        str | None, Query(max_length=256, description="plot against this logged key")
    ] = None,
    columns: Annotated[
        list[BucketColumn] | None, Query(max_length=6, description=COLUMNS_HELP)
    ] = None,
) -> Response:
    """Bucketed (min/max/mean/last, std on request) or exact windows of a run's series.

    ``Accept: application/vnd.cairn.columns`` gets the binary columnar form (see columnar.py).
    """

    def read() -> list[WindowItem]:
        # One worker-thread hop for the whole read: this is the web app's hottest request.
        run = resolve_run(ctx, who, entity, project, run_id, "viewer")
        return _read_windows(ctx, [run], keys, x_axis, x_min, x_max, buckets, x_key)

    items = await run_in_threadpool(read)
    return history_response(request, x_axis, x_key, items, columns)


@router.post("/history", response_model=HistoryResponse)
def query_history(query: HistoryQuery, ctx: Ctx, who: Who, request: Request) -> Response:
    """Windows of many runs' series in one request (what a chart with many runs asks)."""
    run_list = ctx.meta.resolve_runs(who, query.runs, "viewer")
    items = _read_windows(
        ctx,
        run_list,
        query.keys,
        query.x_axis,
        query.x_min,
        query.x_max,
        query.buckets,
        query.x_key,
    )
    return history_response(request, query.x_axis, query.x_key, items, query.columns)


@router.get(RUN_PATH + "/series/{key:path}/points", response_model=PointsPage)
def series_points(
    run: RunDep,
    ctx: Ctx,
    key: KeyPath,
    start: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10_000,
) -> JSONBytesResponse:
    """A page of exact points; pass ``next_start`` back as ``start`` for the next page."""
    check_key(key)
    points = ctx.meta.read_points(run.pk, key, start, limit)
    n = len(points.values)
    return JSONBytesResponse(
        {
            "steps": points.steps.tolist(),
            "times": float_list(points.times),
            "values": float_list(points.values),
            "next_start": start + n if n == limit else None,
        }
    )


@router.get(
    RUN_PATH + "/series/{key:path}/export",
    responses={200: {"content": {"text/csv": {}}, "description": "step,time,value rows"}},
    response_class=StreamingResponse,
)
def series_export(run: RunDep, ctx: Ctx, key: KeyPath) -> StreamingResponse:
    """The whole series, exact, streamed as CSV (``step,time,value``)."""
    check_key(key)
    ctx.meta.read_points(run.pk, key, 0, 1)  # 404 before streaming starts

    def rows() -> Iterator[str]:
        start = 0
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["step", "time", "value"])
        while True:
            page = ctx.meta.read_points(run.pk, key, start, MAX_PAGE)
            n = len(page.values)
            for step, t, v in zip(
                page.steps.tolist(), page.times.tolist(), page.values.tolist(), strict=True
            ):
                writer.writerow([step, repr(t), repr(v)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if n < MAX_PAGE:
                return
            start += n

    safe_key = "".join(c if c.isalnum() or c in "._-" else "_" for c in key)
    filename = f"{run.id}-{safe_key}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
