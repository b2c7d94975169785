"""The sender's thread for a live run, and the bounded drain at ``finish()``."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.sdk.settings import Settings

if TYPE_CHECKING:
    from cairn.sdk.sender.sender import Sender

log = logging.getLogger("cairn.sender")


class Uploader:
    """Runs a :class:`Sender` in a daemon thread; ``drain`` takes over in the caller's thread.

    The sender is imported and built inside the thread, so ``init()`` never waits on the
    network. Each wake-up from the writer waits ``send_linger_s`` first, so records that come
    together (a run's first records, or a whole quick run) leave in one request; ``drain``
    stops that wait at once.
    """

    def __init__(
        self,
        log_path: Path,
        settings: Settings,
        wake: threading.Event,
        on_stop: Callable[[str], None] | None = None,
    ) -> None:
        self._log_path = log_path
        self._on_stop = on_stop
        self._stop_told = False
        self._settings = settings
        self._wake = wake
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._sender: Sender | None = None
        self._remembered: str | None = None
        self._thread = threading.Thread(target=self._run, name="cairn-sender", daemon=True)

    def start(self) -> None:
        """Start sending in the background."""
        self._thread.start()

    def _build(self) -> Sender:
        from cairn.sdk.sender.sender import Sender
        from cairn.sdk.sender.transport import shared_transport

        transport = shared_transport(self._settings.base_url, self._settings.api_key)
        return Sender(
            self._log_path,
            transport,
            max_records=self._settings.batch_max_records,
            max_bytes=self._settings.batch_max_bytes,
        )

    @property
    def public_url(self) -> str | None:
        """The server's public address, once one of its answers told it."""
        sender = self._sender
        return None if sender is None else sender.public_url

    def _remember_public_url(self, sender: Sender) -> None:
        if sender.public_url and sender.public_url != self._remembered:
            from cairn.sdk.links import remember_public_url

            self._remembered = sender.public_url
            remember_public_url(self._settings.base_url, sender.public_url)

    def _run(self) -> None:
        try:
            self._sender = self._build()
        finally:
            self._ready.set()
        sender = self._sender
        if sender is None:
            return
        last_contact = time.monotonic()
        while True:
            if self._wake.wait(0.5):
                self._stop.wait(self._settings.send_linger_s)
            if self._stop.is_set():
                return  # drain() sends the rest from the caller's thread
            self._wake.clear()
            try:
                while not self._stop.is_set():
                    # a busy server (slow answers) is asked less often, with bigger batches
                    if self._stop.wait(sender.ready_in()):
                        break
                    if not sender.send_once(self._stop):
                        break
                    last_contact = time.monotonic()
                    self._remember_public_url(sender)
                    self._tell_stop(sender)
                if sender.fatal:
                    return
                if time.monotonic() - last_contact >= self._settings.heartbeat_s:
                    last_contact = time.monotonic()
                    sender.heartbeat()
                    self._tell_stop(sender)
            except Exception:
                log.exception("sender error; retrying")
                self._stop.wait(1.0)

    def _tell_stop(self, sender: Sender) -> None:
        """Hand a stop request to the run, once; never while ``drain`` is finishing it."""
        if sender.stop_reason is None or self._stop_told or self._stop.is_set():
            return
        self._stop_told = True
        if self._on_stop is not None:
            self._on_stop(sender.stop_reason)

    @property
    def stop_reason(self) -> str | None:
        """Why the server asked the run to stop, once an answer did (also during ``drain``)."""
        sender = self._sender
        return None if sender is None else sender.stop_reason

    def drain(self, total: int, timeout_s: float, show_progress: bool) -> int:
        """Stop the thread, send the rest here for at most ``timeout_s``; returns what is left."""
        self._stop.set()
        self._wake.set()
        self._ready.wait(10)
        self._thread.join(timeout=35)
        sender = self._sender
        if sender is None:
            return total
        started = time.monotonic()
        deadline = started + timeout_s
        stop_at_deadline = threading.Event()
        timer = threading.Timer(timeout_s, stop_at_deadline.set)
        timer.daemon = True
        timer.start()
        shown = False
        try:
            while sender.acked < total and time.monotonic() < deadline:
                if sender.fatal:
                    break
                if not sender.send_once(stop_at_deadline):
                    stop_at_deadline.wait(0.05)
                if show_progress and time.monotonic() - started > 1.0:
                    shown = True
                    _progress(sender.acked, total)
            if shown:
                print(file=sys.stderr)
            self._remember_public_url(sender)
            return int(total - sender.acked)
        finally:
            timer.cancel()
            sender.close()


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """``[#####-----] done/total``: how far an upload has come."""
    filled = int(width * done / total) if total else width
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total}"


def _progress(done: int, total: int) -> None:
    line = f"\rcairn: uploading {progress_bar(done, total)} records"
    print(line, end="", file=sys.stderr, flush=True)
