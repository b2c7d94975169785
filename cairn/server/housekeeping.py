"""Background work shared by every server process, each job leased through the database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from sqlalchemy import Engine, update

from cairn.server.context import ServerContext
from cairn.server.leases import try_acquire
from cairn.server.observability.metrics import record_housekeeping
from cairn.server.store.sql.schema import runs

log = logging.getLogger("cairn.server.housekeeping")

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def mark_crashed_runs(engine: Engine, timeout_s: float, now: float | None = None) -> int:
    """Mark running runs whose last heartbeat is older than ``timeout_s`` as crashed."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        result = conn.execute(
            update(runs)
            .where(runs.c.state == "running", runs.c.heartbeat_at < now - timeout_s)
            .values(state="crashed", updated_at=now)
        )
    return int(result.rowcount or 0)


async def run_housekeeping(ctx: ServerContext) -> None:
    """Every interval, if this process holds the lease, detect crashed runs."""
    interval = ctx.settings.housekeeping_interval_s
    while True:
        try:
            if await asyncio.to_thread(
                try_acquire, ctx.engine, "crash-detector", HOLDER, interval * 2
            ):
                count = await asyncio.to_thread(
                    mark_crashed_runs, ctx.engine, ctx.settings.heartbeat_timeout_s
                )
                record_housekeeping("crash-detector", "ran", marked_crashed=count)
                if count:
                    log.info("marked %d runs crashed (no heartbeat)", count)
            else:
                record_housekeeping("crash-detector", "not_leader")
        except Exception:
            record_housekeeping("crash-detector", "failed")
            log.exception("housekeeping failed; retrying next interval")
        await asyncio.sleep(interval)
