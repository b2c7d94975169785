"""Console capture: tee ``sys.stdout`` / ``sys.stderr`` and hand complete lines to a callback."""

from __future__ import annotations

import collections
import itertools
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, TextIO

from cairn.sdk.capture import forks

log = logging.getLogger(__name__)

Emit = Callable[[str, list[str], float], None]
STREAMS = ("stdout", "stderr")
MAX_BUFFERED_LINES = 65536
_SEPARATOR = re.compile(r"(\r|\n)")


class _LineAssembler:
    """Builds one stream's lines from writes; keeps only the current ``\\r`` frame of a line."""

    def __init__(self, max_chars: int) -> None:
        self._max = max_chars
        self._reset()

    def _reset(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._over = 0  # characters cut from the current segment
        self._frame: str | None = None  # the last complete ``\r`` frame of this line
        self._emitted_frame: str | None = None
        self._frame_seen_at: float | None = None

    def _segment(self) -> str:
        """The text since the last ``\\r``, with a marker if it was cut."""
        text = "".join(self._parts)
        return f"{text} [... {self._over} more characters truncated]" if self._over else text

    def feed(self, text: str) -> list[str]:
        """Take one write; return the lines it completed."""
        done: list[str] = []
        for piece in _SEPARATOR.split(text):
            if piece == "\n":
                has_text = self._size or self._over
                line = self._segment() if has_text or self._frame is None else self._frame
                if self._frame is None or line != self._emitted_frame:
                    done.append(line)
                self._reset()
            elif piece == "\r":
                if self._size or self._over:
                    self._frame = self._segment()
                    if self._frame_seen_at is None:
                        self._frame_seen_at = time.monotonic()
                self._parts, self._size, self._over = [], 0, 0
            elif piece:
                room = self._max - self._size
                if len(piece) <= room:
                    self._parts.append(piece)
                    self._size += len(piece)
                else:
                    if room > 0:
                        self._parts.append(piece[:room])
                        self._size = self._max
                    self._over += len(piece) - max(room, 0)
        return done

    def interim(self, now: float, every_s: float) -> str | None:
        """The latest ``\\r`` frame if it is new and ``every_s`` passed since the line's first.

        ``now`` is ``time.monotonic()``.
        """
        if self._frame is None or self._frame == self._emitted_frame:
            return None
        if self._frame_seen_at is not None and now - self._frame_seen_at < every_s:
            return None
        self._emitted_frame = self._frame
        self._frame_seen_at = now
        return self._frame

    def finish(self) -> str | None:
        """The unfinished line, if any, as if a newline had arrived."""
        if not (self._size or self._over or self._frame is not None):
            return None
        lines = self.feed("\n")
        return lines[0] if lines else None


class _Tee:
    """Stands in for ``sys.stdout``/``sys.stderr``: writes through unchanged, copies lines."""

    def __init__(self, original: TextIO, capture: ConsoleCapture, name: str) -> None:
        self._original = original
        self._capture = capture
        self._name = name

    @property
    def original(self) -> TextIO:
        """The stream this one writes through to."""
        return self._original

    def write(self, s: str) -> int:
        """Write to the original stream, then record ``s``; returns what the original returns."""
        written = self._original.write(s)
        self._capture._feed(self._name, s)
        return len(s) if written is None else written

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the original stream."""
        self._original.flush()

    def fileno(self) -> int:
        """The original stream's file descriptor."""
        return self._original.fileno()

    def isatty(self) -> bool:
        """Whether the original stream is a terminal."""
        return self._original.isatty()

    @property
    def encoding(self) -> str:
        """The original stream's encoding."""
        return self._original.encoding

    @property
    def errors(self) -> str | None:
        """The original stream's error handler."""
        return self._original.errors

    @property
    def buffer(self) -> BinaryIO:
        """The original stream's binary buffer (bytes written there are not recorded)."""
        return self._original.buffer

    def __getattr__(self, name: str) -> Any:
        if name == "_original":  # not set yet (copy, unpickling): avoid endless recursion
            raise AttributeError(name)
        return getattr(self._original, name)

    def __repr__(self) -> str:
        return f"<cairn console tee of {self._original!r}>"


class ConsoleCapture:
    """Copies complete lines written to ``sys.stdout``/``sys.stderr`` to ``emit``.

    ``emit(stream, lines, time)`` runs on a background thread with consecutive lines of one
    stream ("stdout" or "stderr"); ``time`` is the wall time the first of them was completed.
    A line rewritten with ``\\r`` (a progress bar) is recorded once, in its final state, when
    its newline comes; while it is still being rewritten, its latest frame is recorded at
    most every ``interim_flush_s``. Lines over ``max_line_chars`` are cut, with a marker.

    Memory is bounded: at most ``max_buffered_chars`` characters (and 65,536 lines) wait
    for ``emit``; if it falls behind, further lines are dropped and counted
    (``dropped_lines``), and a notice line says how many. Writes from inside ``emit``'s thread
    are passed through, not recorded. Only writes through the Python objects are seen:
    output that C code or subprocesses write straight to file descriptors 1 and 2, and
    output of forked children, is not captured.
    """

    def __init__(
        self,
        emit: Emit,
        max_line_chars: int = 16384,
        *,
        max_buffered_chars: int = 4 * 2**20,
        interim_flush_s: float = 1.0,
    ) -> None:
        self._emit = emit
        self._max_line_chars = max_line_chars
        self._max_buffered_chars = max_buffered_chars
        self._interim_flush_s = interim_flush_s
        self._lock = threading.RLock()  # reentrant: a signal handler may print mid-write
        self._active = False
        self._tees: dict[str, _Tee] = {}
        self._assemblers: dict[str, _LineAssembler] = {}
        self._queue: collections.deque[tuple[str, str, float]] = collections.deque()
        self._queued_chars = 0
        self._unreported_drops: dict[str, int] = {}
        self.dropped_lines = 0
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._emitter_ident: int | None = None
        self._logged_error = False
        forks.on_fork(self)

    def start(self) -> None:
        """Wrap the current ``sys.stdout`` and ``sys.stderr`` and start the emitting thread."""
        if self._active:
            return
        self._assemblers = {name: _LineAssembler(self._max_line_chars) for name in STREAMS}
        self._closing = False
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cairn-console", daemon=True)
        self._thread.start()
        self._active = True
        for name in STREAMS:
            stream = getattr(sys, name)
            if stream is not None:  # None under pythonw and some service managers
                tee = _Tee(stream, self, name)
                self._tees[name] = tee
                setattr(sys, name, tee)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Restore the streams, emit any unfinished lines and wait up to ``timeout_s``."""
        if not self._active:
            return
        self._active = False
        for name, tee in self._tees.items():
            # Someone may have wrapped us in turn; then our tee stays, passing writes through.
            if getattr(sys, name) is tee:
                setattr(sys, name, tee.original)
        self._tees = {}
        with self._lock:
            now = time.time()
            for name, assembler in self._assemblers.items():
                line = assembler.finish()
                if line is not None:
                    self._enqueue(name, line, now)
            self._closing = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        self._thread = None

    def _feed(self, name: str, text: str) -> None:
        """Record one write to stream ``name``; never raises."""
        if (
            not self._active
            or not isinstance(text, str)
            or threading.get_ident() == self._emitter_ident
        ):
            return
        try:
            with self._lock:
                lines = self._assemblers[name].feed(text)
                if lines:
                    now = time.time()
                    for line in lines:
                        self._enqueue(name, line, now)
            if lines:
                self._wake.set()
        except Exception as exc:
            self._log_once("recording output", exc)

    def _enqueue(self, name: str, line: str, now: float) -> None:
        """Queue a line for ``emit``, or count it dropped when the queue is full."""
        cost = len(line) + 1
        if (
            self._queued_chars + cost > self._max_buffered_chars
            or len(self._queue) >= MAX_BUFFERED_LINES
        ):
            self.dropped_lines += 1
            self._unreported_drops[name] = self._unreported_drops.get(name, 0) + 1
            return
        self._queue.append((name, line, now))
        self._queued_chars += cost

    def _take(self) -> list[tuple[str, str, float]]:
        """Everything to emit now: queued lines, drop notices, due progress-bar frames."""
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
            self._queued_chars = 0
            now = time.time()
            tick = time.monotonic()
            for name, count in self._unreported_drops.items():
                notice = f"[cairn: {count} console lines dropped: output came faster than saved]"
                items.append((name, notice, now))
            self._unreported_drops = {}
            if not self._closing:
                for name, assembler in self._assemblers.items():
                    frame = assembler.interim(tick, self._interim_flush_s)
                    if frame is not None:
                        items.append((name, frame, now))
        return items

    def _run(self) -> None:
        """The thread: hand queued lines to ``emit`` until stopped, then the rest."""
        self._emitter_ident = threading.get_ident()
        wake = self._wake
        while True:
            wake.wait(self._interim_flush_s / 2)  # half: a frame is then due at most 1.5 x late
            wake.clear()
            closing = self._closing
            for name, group in itertools.groupby(self._take(), key=lambda item: item[0]):
                batch = list(group)
                self._send(name, [line for _, line, _ in batch], batch[0][2])
            if closing:
                return

    def _send(self, name: str, lines: list[str], at: float) -> None:
        """Call ``emit``; log its first failure."""
        try:
            self._emit(name, lines, at)
        except Exception as exc:
            self._log_once("emit", exc)

    def _log_once(self, what: str, exc: BaseException) -> None:
        """Log the first failure with its traceback, later ones at debug level only."""
        if self._logged_error:
            log.debug("console capture: %s failed: %s", what, exc)
            return
        self._logged_error = True  # set first: the warning itself goes to stderr, through us
        log.warning("console capture: %s failed; later failures at debug level", what, exc_info=exc)

    def after_fork_in_child(self) -> None:
        """In a forked child: stop recording (the emitting thread is gone); writes pass through."""
        self._active = False
        self._lock = threading.RLock()
        self._thread = None
