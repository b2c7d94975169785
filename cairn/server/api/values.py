"""Non-numeric values logged with history (strings, media references), read by key and step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cairn.errors import InvalidInputError
from cairn.server.api.deps import MAX_OFFSET, Ctx, RunDep
from cairn.server.encoding import JSONBytesResponse
from cairn.wire import check_key

router = APIRouter(prefix="/api/v1", tags=["history"])
MAX_STEP = 2**63 - 1  # the database's BIGINT


class ValueOut(BaseModel):
    """One logged value."""

    step: int
    time: float
    value: Any


class ValuesPage(BaseModel):
    """Values of one key in (step, arrival) order; pass ``next_after`` back as ``after``."""

    key: str
    values: list[ValueOut]
    next_after: int | None


@router.get("/runs/{entity}/{project}/{run_id}/values", response_model=ValuesPage)
def read_values(
    run: RunDep,
    ctx: Ctx,
    key: Annotated[str, Query(min_length=1, max_length=256)],
    after: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="cursor from next_after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    step_min: Annotated[
        int | None, Query(ge=-MAX_STEP, le=MAX_STEP, description="first step (inclusive)")
    ] = None,
    step_max: Annotated[
        int | None, Query(ge=-MAX_STEP, le=MAX_STEP, description="last step (inclusive)")
    ] = None,
) -> JSONBytesResponse:
    """A page of a key's non-numeric values (strings, media references), optionally only those
    logged at steps ``step_min`` .. ``step_max``; ``after`` counts within that range."""
    check_key(key)
    if step_min is not None and step_max is not None and step_min > step_max:
        raise InvalidInputError(f"step_min ({step_min}) is after step_max ({step_max})")
    rows = ctx.meta.read_values(run.pk, key, after, limit, step_min=step_min, step_max=step_max)
    values = [{"step": r.step, "time": r.time, "value": r.value} for r in rows]
    next_after = after + len(rows) if len(rows) == limit else None
    return JSONBytesResponse({"key": key, "values": values, "next_after": next_after})
