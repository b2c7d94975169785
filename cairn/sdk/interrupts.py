"""A server's stop request reaching the main thread even where SIGINT is ignored.

A process started in the background by a non-interactive shell (``nohup python train.py &`` in
a script, some schedulers) inherits SIGINT ignored; ``_thread.interrupt_main`` then does nothing
and a Stop pressed in the web app would never end the run. While a run is active in such a
process, SIGINT gets a handler that raises KeyboardInterrupt only for a stop request: a real
Ctrl-C stays ignored, as the shell asked.
"""

from __future__ import annotations

import _thread
import signal
import threading
from types import FrameType


class StopInterrupts:
    """Raises KeyboardInterrupt in the main thread when a stop request arrives."""

    def __init__(self) -> None:
        self._requested = False
        self._installed = False

    def arm(self) -> None:
        """Install the stop-only handler when SIGINT is ignored (call from the main thread;
        elsewhere, or where Python already handles SIGINT, nothing changes)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._handle)
            self._installed = True

    def interrupt(self) -> None:
        """Raise KeyboardInterrupt in the main thread, as Ctrl-C would (from any thread)."""
        self._requested = True
        _thread.interrupt_main()

    def disarm(self) -> None:
        """Put SIGINT back to ignored if :meth:`arm` changed it (from the main thread)."""
        if self._installed and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._requested:
            self._requested = False
            raise KeyboardInterrupt
