"""Load shedding for ingest: a bounded number of batches in progress per server process.

Past the bound a batch is refused at once with 429 and a Retry-After, instead of queueing until
the client's timeout: senders back off and send bigger, rarer batches, and the batches the
server took finish in bounded time. Counted on the event loop, so no lock is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cairn.errors import TooBusyError


class IngestGate:
    """Admits at most ``limit`` batches at once; the next one raises TooBusyError."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the ingest limit must be at least 1")
        self.limit = limit
        self.active = 0

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold one slot while the block runs; TooBusyError when none is free."""
        if self.active >= self.limit:
            raise TooBusyError(
                f"the server is applying {self.active} batches; send this one again after the "
                "Retry-After delay (the SDK does so by itself)",
                retry_after_s=1.0 + self.active / self.limit,
            )
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
