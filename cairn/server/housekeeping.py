"""Background work shared by every server process, each job leased through the database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from cairn.server.context import ServerContext
from cairn.server.observability.metrics import record_housekeeping
from cairn.server.store.records import GcResult
from cairn.server.store.uploads import UPLOAD_TTL_S
from cairn.server.store.wandb_artifacts import PENDING_TTL_S

log = logging.getLogger("cairn.server.housekeeping")

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
SWEEPS_INTERVAL_S = 30.0
EXPIRED_UPLOADS_PER_ROUND = 10_000
"""How often hyperband and sweep states are re-evaluated besides after trial batches."""


def collect_garbage(ctx: ServerContext, grace_s: float) -> GcResult:
    """Remove blobs nothing references that were not touched for ``grace_s`` seconds."""
    result = ctx.meta.collect_blobs(grace_s, ctx.blobs.delete)
    if result.blobs:
        log.info("collected %d unreferenced blobs (%d bytes)", result.blobs, result.bytes)
    return result


def drop_expired_uploads(ctx: ServerContext, grace_s: float) -> int:
    """Abort upload sessions past their expiry (their staged parts go), forget upload notes
    older than ``grace_s`` or a day, whichever is longer (a ``cairn server gc --grace 0`` must
    not forget what the server's own grace period still counts), and W&B artifact uploads
    never committed within a day; return how many sessions went."""
    dropped = 0
    for session in ctx.meta.expired_uploads(limit=EXPIRED_UPLOADS_PER_ROUND):
        try:
            ctx.blobs.abort_upload(session.id, session.handle)
        except Exception:  # the store failed this one: the next round tries it again
            log.exception("could not drop the staged parts of upload %s", session.id)
            continue
        ctx.meta.end_upload(session.id)
        dropped += 1
    if dropped:
        log.info("dropped %d expired uploads", dropped)
    ctx.meta.forget_uploaders(time.time() - max(grace_s, UPLOAD_TTL_S))
    stale = ctx.meta.drop_stale_wandb_artifacts(time.time() - PENDING_TTL_S)
    if stale:
        log.info("dropped %d W&B artifact uploads never committed", stale)
    return dropped


def evaluate_sweeps(ctx: ServerContext) -> int:
    """Hyperband on every active sweep, and finish closed sweeps whose trials all ended."""
    stopped = ctx.meta.evaluate_sweeps()
    if stopped:
        log.info("hyperband asked %d runs to stop", stopped)
    return stopped


def expire_artifacts(ctx: ServerContext) -> int:
    """Delete artifact versions past their TTL (their files go to garbage collection)."""
    expired = ctx.meta.expire_artifacts()
    if expired:
        log.info("deleted %d artifact versions past their TTL", expired)
    return expired


async def run_housekeeping(ctx: ServerContext) -> None:
    """Every interval, if this process holds each job's lease: detect crashed runs, every
    ``gc_interval_s`` collect unreferenced blobs and expired uploads, every 30 s evaluate
    sweeps, and delete artifact versions past their TTL (an indexed range read when there are
    none)."""
    settings = ctx.settings
    interval = settings.housekeeping_interval_s
    next_gc = time.monotonic() + min(settings.gc_interval_s, 60.0)
    next_sweeps = time.monotonic()
    while True:
        try:
            if await asyncio.to_thread(
                ctx.meta.try_acquire_lease, "crash-detector", HOLDER, interval * 2
            ):
                count = await asyncio.to_thread(
                    ctx.meta.mark_crashed_runs, settings.heartbeat_timeout_s
                )
                record_housekeeping("crash-detector", "ran", marked_crashed=count)
                if count:
                    log.info("marked %d runs crashed (no heartbeat)", count)
            else:
                record_housekeeping("crash-detector", "not_leader")
            if time.monotonic() >= next_gc:
                next_gc = time.monotonic() + settings.gc_interval_s
                # One holder per interval across processes: the lease outlives this round.
                if await asyncio.to_thread(
                    ctx.meta.try_acquire_lease, "blob-gc", HOLDER, settings.gc_interval_s * 0.9
                ):
                    await asyncio.to_thread(collect_garbage, ctx, settings.gc_grace_s)
                    await asyncio.to_thread(drop_expired_uploads, ctx, settings.gc_grace_s)
                    record_housekeeping("blob-gc", "ran")
            if time.monotonic() >= next_sweeps:
                next_sweeps = time.monotonic() + SWEEPS_INTERVAL_S
                if await asyncio.to_thread(
                    ctx.meta.try_acquire_lease, "sweeps", HOLDER, SWEEPS_INTERVAL_S * 0.9
                ):
                    await asyncio.to_thread(evaluate_sweeps, ctx)
                    record_housekeeping("sweeps", "ran")
            if await asyncio.to_thread(
                ctx.meta.try_acquire_lease, "artifact-ttl", HOLDER, interval * 0.9
            ):
                await asyncio.to_thread(expire_artifacts, ctx)
                record_housekeeping("artifact-ttl", "ran")
        except Exception:
            record_housekeeping("crash-detector", "failed")
            log.exception("housekeeping failed; retrying next interval")
        await asyncio.sleep(interval)
