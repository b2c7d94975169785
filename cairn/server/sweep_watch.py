"""Server-side hyperband as history arrives: evaluate a sweep off the event loop after an
ingest batch of one of its trials committed, never delaying that batch's response.

At most one evaluation of a sweep runs at a time; a request while one runs makes it run once
more afterwards (batches arriving meanwhile are all covered by that one rerun).
"""

from __future__ import annotations

import asyncio
import logging

from cairn.server.store.metadata import MetadataStore

log = logging.getLogger("cairn.server.sweeps")


class SweepWatcher:
    """Coalescing background evaluations of sweeps (``MetadataStore.evaluate_sweep``)."""

    def __init__(self, meta: MetadataStore) -> None:
        self._meta = meta
        self._busy: set[int] = set()
        self._again: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self, sweep_pk: int) -> None:
        """Evaluate the sweep soon; call on the event loop."""
        if sweep_pk in self._busy:
            self._again.add(sweep_pk)
            return
        self._busy.add(sweep_pk)
        task = asyncio.get_running_loop().create_task(self._evaluate(sweep_pk))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _evaluate(self, sweep_pk: int) -> None:
        try:
            while True:
                self._again.discard(sweep_pk)
                try:
                    stopped = await asyncio.to_thread(self._meta.evaluate_sweep, sweep_pk)
                    if stopped:
                        log.info("hyperband asked runs %s to stop", ", ".join(stopped))
                except Exception:
                    log.exception("evaluating sweep %d failed; housekeeping retries", sweep_pk)
                if sweep_pk not in self._again:
                    return
        finally:
            self._busy.discard(sweep_pk)
