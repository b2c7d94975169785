"""Background work shared by every server process, each job leased through the database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from cairn.server.context import ServerContext

log = logging.getLogger("cairn.server.housekeeping")

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


async def run_housekeeping(ctx: ServerContext) -> None:
    """Every interval, if this process holds the lease, detect crashed runs."""
    interval = ctx.settings.housekeeping_interval_s
    while True:
        try:
            if await asyncio.to_thread(
                ctx.meta.try_acquire_lease, "crash-detector", HOLDER, interval * 2
            ):
                count = await asyncio.to_thread(
                    ctx.meta.mark_crashed_runs, ctx.settings.heartbeat_timeout_s
                )
                if count:
                    log.info("marked %d runs crashed (no heartbeat)", count)
        except Exception:
            log.exception("housekeeping failed; retrying next interval")
        await asyncio.sleep(interval)
