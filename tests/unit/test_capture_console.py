"""Console capture: lines, progress bars, truncation, stream forwarding, bounded buffering."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest

from cairn.sdk.capture.console import ConsoleCapture

DEADLINE_S = 30.0


class Lines:
    """Collects emitted lines; waits for a condition without fixed sleeps."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[str], float]] = []
        self.cond = threading.Condition()

    def emit(self, stream: str, lines: list[str], at: float) -> None:
        with self.cond:
            self.batches.append((stream, list(lines), at))
            self.cond.notify_all()

    def of(self, stream: str) -> list[str]:
        with self.cond:
            return [line for s, lines, _ in self.batches if s == stream for line in lines]

    def wait_for(self, stream: str, line: str) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: line in self.of(stream), DEADLINE_S), self.batches


class Streams:
    """Stand-in originals for sys.stdout and sys.stderr."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.out = io.StringIO()
        self.err = io.StringIO()

    def install(self) -> None:
        # Called from the test body: pytest resets sys.stdout between fixture setup and the test.
        self._monkeypatch.setattr(sys, "stdout", self.out)
        self._monkeypatch.setattr(sys, "stderr", self.err)


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> Streams:
    return Streams(monkeypatch)


@pytest.fixture
def capture(streams: Streams) -> Iterator[Callable[..., tuple[ConsoleCapture, Lines]]]:
    """Makes a started ConsoleCapture over fresh StringIO streams; stops it at the end."""
    made: list[ConsoleCapture] = []

    def make(emit: Any = None, **kwargs: Any) -> tuple[ConsoleCapture, Lines]:
        streams.install()
        lines = Lines()
        made.append(ConsoleCapture(emit or lines.emit, **kwargs))
        made[-1].start()
        return made[-1], lines

    yield make
    for console in made:
        console.stop(timeout_s=DEADLINE_S)


def test_lines_are_collected_and_still_written(capture: Any, streams: Any) -> None:
    console, lines = capture()
    out, err = streams.out, streams.err
    print("hello")
    print("oops", file=sys.stderr)
    sys.stdout.write("two\nlines\n")
    lines.wait_for("stdout", "lines")
    lines.wait_for("stderr", "oops")
    assert lines.of("stdout") == ["hello", "two", "lines"]
    assert out.getvalue() == "hello\ntwo\nlines\n"
    assert err.getvalue() == "oops\n"
    console.stop(timeout_s=DEADLINE_S)
    assert all(stream in ("stdout", "stderr") and batch for stream, batch, _ in lines.batches)


def test_write_returns_the_char_count(capture: Any) -> None:
    capture()
    assert sys.stdout.write("héllo\n") == 6
    sys.stdout.writelines(["a\n", "b\n"])


def test_blank_lines_are_kept(capture: Any) -> None:
    console, lines = capture()
    sys.stdout.write("a\n\nb\n")
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["a", "", "b"]


def test_progress_bar_recorded_once_in_its_final_state(capture: Any, streams: Any) -> None:
    console, lines = capture(interim_flush_s=3600)
    for pct in (0, 10, 50, 90):
        sys.stdout.write(f"\rtraining {pct:3d}%|{'#' * (pct // 10):<10}|")
    sys.stdout.write("\rtraining 100%|##########|\n")
    print("done")
    sys.stdout.write("crlf line\r\n")
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["training 100%|##########|", "done", "crlf line"]
    assert "training  50%" in streams.out.getvalue()  # the terminal still saw every frame


def test_bar_ending_in_carriage_return_keeps_its_last_frame(capture: Any) -> None:
    console, lines = capture(interim_flush_s=3600)
    sys.stdout.write("step 1/3\rstep 2/3\rstep 3/3\r")
    sys.stdout.write("\n")
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["step 3/3"]


def test_long_progress_bar_is_flushed_while_running(capture: Any) -> None:
    console, lines = capture(interim_flush_s=0.01)
    sys.stdout.write("epoch 1: 10%\r")
    lines.wait_for("stdout", "epoch 1: 10%")
    sys.stdout.write("epoch 1: 20%\r")
    lines.wait_for("stdout", "epoch 1: 20%")
    sys.stdout.write("\n")  # the final state was already recorded: not again
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["epoch 1: 10%", "epoch 1: 20%"]


def test_partial_line_is_emitted_at_stop(capture: Any) -> None:
    console, lines = capture()
    sys.stdout.write("no newline yet")
    sys.stderr.write("err tail")
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["no newline yet"]
    assert lines.of("stderr") == ["err tail"]


def test_long_lines_are_truncated_with_a_marker(capture: Any, streams: Any) -> None:
    console, lines = capture(max_line_chars=10)
    sys.stdout.write("x" * 6)
    sys.stdout.write("y" * 19 + "\n")
    console.stop(timeout_s=DEADLINE_S)
    (line,) = lines.of("stdout")
    assert line.startswith("xxxxxxyyyy ")
    assert "15 more characters truncated" in line
    assert streams.out.getvalue() == "x" * 6 + "y" * 19 + "\n"


def test_stop_restores_the_original_streams(capture: Any, streams: Any) -> None:
    console, _ = capture()
    out, err = streams.out, streams.err
    assert sys.stdout is not out
    assert sys.stderr is not err
    console.stop(timeout_s=DEADLINE_S)
    assert sys.stdout is out
    assert sys.stderr is err


def test_stop_leaves_a_later_replacement_alone(capture: Any, streams: Any) -> None:
    console, lines = capture()
    ours = sys.stdout
    later = io.StringIO()
    sys.stdout = later
    console.stop(timeout_s=DEADLINE_S)
    assert sys.stdout is later
    ours.write("after stop\n")  # whoever wrapped us still writes through, unrecorded
    assert streams.out.getvalue() == "after stop\n"
    assert lines.of("stdout") == []


class TerminalLike(io.StringIO):
    custom = "kept"

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 42

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "latin-1"


def test_wrapper_forwards_stream_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    original = TerminalLike()
    monkeypatch.setattr(sys, "stdout", original)
    console = ConsoleCapture(Lines().emit)
    console.start()
    try:
        assert sys.stdout is not original
        assert sys.stdout.isatty() is True
        assert sys.stdout.fileno() == 42
        assert sys.stdout.encoding == "latin-1"
        assert cast(Any, sys.stdout).custom == "kept"
        assert sys.stdout.closed is False
        sys.stdout.flush()
    finally:
        console.stop(timeout_s=DEADLINE_S)


def test_wrapper_forwards_buffer_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.BytesIO()
    original = io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
    monkeypatch.setattr(sys, "stdout", original)
    console = ConsoleCapture(Lines().emit)
    console.start()
    try:
        assert sys.stdout.buffer is raw
        assert sys.stdout.errors == "replace"
        assert sys.stdout.encoding == "utf-8"
        with pytest.raises(io.UnsupportedOperation):
            sys.stdout.fileno()
    finally:
        console.stop(timeout_s=DEADLINE_S)


class NotebookStream:
    """Just enough of ipykernel's OutStream: write, flush and its own extras."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def flush(self) -> None:
        pass

    def set_parent(self, parent: dict[str, Any]) -> None:
        self.parent = parent


def test_wraps_a_notebook_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = NotebookStream()
    monkeypatch.setattr(sys, "stdout", notebook)
    lines = Lines()
    console = ConsoleCapture(lines.emit)
    console.start()
    print("in a cell")
    cast(Any, sys.stdout).set_parent({"msg_id": "1"})
    console.stop(timeout_s=DEADLINE_S)
    assert sys.stdout is notebook
    assert "".join(notebook.parts) == "in a cell\n"
    assert notebook.parent == {"msg_id": "1"}
    assert lines.of("stdout") == ["in a cell"]


def test_a_missing_stream_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    lines = Lines()
    console = ConsoleCapture(lines.emit)
    console.start()
    assert sys.stdout is None
    print("to stderr", file=sys.stderr)
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stderr") == ["to stderr"]


def test_emit_failure_is_logged_once_and_capture_goes_on(
    capture: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[list[str]] = []
    failed, done = threading.Event(), threading.Event()

    def flaky(stream: str, lines: list[str], at: float) -> None:
        calls.append(lines)
        if len(calls) == 1:
            failed.set()
            raise RuntimeError("store is down")
        if "third" in lines:
            done.set()

    capture(flaky)
    print("first")
    assert failed.wait(DEADLINE_S)
    print("second")
    print("third")
    assert done.wait(DEADLINE_S)
    assert calls[0][0] == "first"
    assert sum("emit failed" in r.getMessage() for r in caplog.records) == 1


def test_output_from_inside_emit_is_not_recorded(capture: Any, streams: Any) -> None:
    lines = Lines()

    def noisy(stream: str, batch: list[str], at: float) -> None:
        print("emit says hi")  # would loop forever if recorded
        lines.emit(stream, batch, at)

    console, _ = capture(noisy)
    print("user line")
    lines.wait_for("stdout", "user line")
    console.stop(timeout_s=DEADLINE_S)
    assert lines.of("stdout") == ["user line"]
    assert "emit says hi\n" in streams.out.getvalue()


def test_buffer_is_bounded_when_emit_blocks(capture: Any, streams: Any) -> None:
    release = threading.Event()
    lines = Lines()

    def blocked(stream: str, batch: list[str], at: float) -> None:
        release.wait(DEADLINE_S)
        lines.emit(stream, batch, at)

    console, _ = capture(blocked, max_buffered_chars=100)
    try:
        for i in range(1000):
            print(f"line {i:04d}")
        assert console.dropped_lines > 900
        assert streams.out.getvalue().count("\n") == 1000  # the terminal lost nothing
    finally:
        release.set()
        console.stop(timeout_s=DEADLINE_S)
    recorded = lines.of("stdout")
    assert len(recorded) < 100
    assert any("console lines dropped" in line for line in recorded)
