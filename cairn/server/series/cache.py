"""A bounded in-memory cache of computed series windows.

A window is keyed by the series and its point count: series are append-only, so a series with
the same number of points holds the same points, and any append makes older entries unreachable
(they age out). A workspace reloaded, a panel redrawn, a second viewer: all answered without
decoding a chunk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy.typing as npt

from cairn.server.store.base import SeriesWindow


def window_nbytes(window: SeriesWindow) -> int:
    """Memory held by a window's arrays."""
    return sum(a.nbytes for a in _arrays(window)) + 200


def _arrays(window: SeriesWindow) -> tuple[npt.NDArray[Any], ...]:
    w = window
    return (w.x, w.min, w.max, w.mean, w.std, w.last, w.count)


class WindowCache:
    """Least-recently-used windows up to ``max_bytes`` in all; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[SeriesWindow, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.on_lookup: Callable[[bool], None] | None = None
        """Called with whether each ``get`` hit (the server counts them for /metrics)."""

    def get(self, key: Hashable) -> SeriesWindow | None:
        """The cached window, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if self.on_lookup is not None:
            self.on_lookup(entry is not None)
        return None if entry is None else entry[0]

    def put(self, key: Hashable, window: SeriesWindow) -> None:
        """Keep ``window`` (its arrays become read-only); evict the oldest beyond the budget."""
        size = window_nbytes(window)
        if size > self.max_bytes // 4:
            return
        for array in _arrays(window):
            array.flags.writeable = False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (window, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._bytes
