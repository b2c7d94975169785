"""Alerts a run raised with ``run.alert()`` (``GET …/runs/{e}/{p}/{run}/alerts``), oldest first.

Delivery to Slack, e-mail or webhooks comes with automations; until then an alert is kept with
the run and shown on its page.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cairn.server.api.deps import MAX_OFFSET, Ctx, RunDep

router = APIRouter(prefix="/api/v1", tags=["runs"])


class AlertOut(BaseModel):
    """One alert; ``seq`` orders a run's alerts."""

    seq: int
    time: float
    title: str
    text: str
    level: Literal["INFO", "WARN", "ERROR"]
    wait_s: float | None


class AlertsPage(BaseModel):
    """A page of a run's alerts; pass ``next_after`` back as ``after`` for the next one."""

    alerts: list[AlertOut]
    next_after: int | None


@router.get("/runs/{entity}/{project}/{run_id}/alerts", response_model=AlertsPage)
def read_alerts(
    run: RunDep,
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="cursor from next_after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AlertsPage:
    """The run's alerts after the cursor ``after``, oldest first."""
    rows = ctx.meta.list_alerts(run.pk, after, limit)
    alerts = [
        AlertOut(seq=a.seq, time=a.time, title=a.title, text=a.text, level=a.level,  # type: ignore[arg-type]
                 wait_s=a.wait_s)
        for a in rows
    ]  # fmt: skip
    return AlertsPage(alerts=alerts, next_after=rows[-1].seq if len(rows) == limit else None)
