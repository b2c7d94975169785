"""The delivery worker: one server process at a time (a database lease) sends due deliveries,
records each attempt, and schedules retries with the configured backoff.

Delivery is at least once: a process that dies between sending and recording makes the next
holder send that attempt again (receivers de-duplicate by ``X-Cairn-Delivery``).
"""

from __future__ import annotations

import asyncio
import logging
import time

from cairn.server.automations.deliver import retry_at, send
from cairn.server.automations.secrets import SecretBox
from cairn.server.context import ServerContext
from cairn.server.housekeeping import HOLDER

log = logging.getLogger("cairn.server.automations")

LEASE = "automations"
ROUND = 50
"""Deliveries one round sends at most (the lease is renewed before each)."""
KEEP_LOG_S = 30 * 86400.0
"""Finished attempts older than this leave the delivery log."""
PRUNE_EVERY_S = 3600.0


def deliver_due(ctx: ServerContext, box: SecretBox) -> int:
    """Send the deliveries due now, while this process holds the lease; how many were sent."""
    settings = ctx.settings
    lease_s = settings.webhook_timeout_s + 30.0
    sent = 0
    for delivery in ctx.meta.due_deliveries(time.time(), ROUND):
        if not ctx.meta.try_acquire_lease(LEASE, HOLDER, lease_s):
            break
        outcome = send(
            delivery,
            box,
            timeout_s=settings.webhook_timeout_s,
            allow_private=settings.allow_private_webhooks,
        )
        now = time.time()
        retry = retry_at(outcome, delivery.attempt, settings.webhook_backoff, now)
        ctx.meta.finish_delivery(delivery.pk, outcome, retry, now)
        if not outcome.delivered:
            log.info(
                "delivery %s (%s, attempt %d) failed: %s%s",
                delivery.event_id,
                delivery.event,
                delivery.attempt,
                outcome.status_code or outcome.error,
                "" if retry is None else f"; retrying in {retry - now:.0f} s",
            )
        sent += 1
    return sent


async def run_deliveries(ctx: ServerContext, box: SecretBox) -> None:
    """Every ``webhook_poll_s``: take the lease and send what is due; hourly, prune the log."""
    settings = ctx.settings
    next_prune = time.monotonic() + 60.0
    while True:
        try:
            if await asyncio.to_thread(
                ctx.meta.try_acquire_lease, LEASE, HOLDER, settings.webhook_timeout_s + 30.0
            ):
                await asyncio.to_thread(deliver_due, ctx, box)
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY_S
                    await asyncio.to_thread(ctx.meta.prune_deliveries, time.time() - KEEP_LOG_S)
        except Exception:
            log.exception("automation deliveries failed; retrying next round")
        await asyncio.sleep(settings.webhook_poll_s)
