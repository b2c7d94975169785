"""``Run``: what ``cairn.init`` returns; ``log`` hands rows to the writer and returns at once."""

from __future__ import annotations

import logging
import os
import queue
import shlex
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInputError
from cairn.sdk.config import Config
from cairn.sdk.interrupts import StopInterrupts
from cairn.sdk.links import known_public_url
from cairn.sdk.metrics import Definitions, MetricRule
from cairn.sdk.resume import forget_run
from cairn.sdk.runlog.files import LOG_SUFFIX, LogWriter
from cairn.sdk.runlog.format import LogHeader
from cairn.sdk.setters import RunField, remember
from cairn.sdk.settings import Settings
from cairn.sdk.summary import Summary
from cairn.sdk.uploader import Uploader
from cairn.sdk.values import freeze_media, split_values
from cairn.sdk.writer import Item, Writer
from cairn.wire import check_file_path, validate_record
from cairn.wire.records import RUN, file_record, finish_record

if TYPE_CHECKING:
    from datetime import timedelta

    from cairn.artifacts.artifact import Artifact
    from cairn.registry.models import RegistryVersion
    from cairn.sdk.alerts import AlertLimiter
    from cairn.sdk.capturing import Capture

log = logging.getLogger("cairn")


class Run:
    """One tracked run: config, summary, history; backed by a run log on local disk."""

    # assignable after init(): each assignment is a run record (cairn/sdk/setters.py)
    name = RunField("name")
    tags = RunField("tags")
    notes = RunField("notes")
    group = RunField("group")

    def __init__(
        self,
        settings: Settings,
        *,
        entity: str,
        project: str,
        run_id: str,
        name: str,
        start_step: int = 0,
    ) -> None:
        self.settings = settings
        self.entity = entity
        self.project = project
        self.id = run_id
        self._run_fields: dict[str, Any] = {"name": name}
        self._step = start_step
        self._pending: dict[str, Any] | None = None
        self._pending_step = start_step
        self._pending_explicit = False
        self._pending_time = 0.0
        self._known_keys: set[str] = set()
        self._stop_reason: str | None = None
        self._interrupted = False
        self._interrupts = StopInterrupts()
        if settings.stop_interrupts:
            self._interrupts.arm()
        self._meta_sent: dict[str, Any] = {}
        self._metric_definitions = Definitions()
        self._items: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._finished = False
        self._owner_pid = os.getpid()
        self._lock = threading.Lock()
        self._alerts: AlertLimiter | None = None
        self.created_at = time.time()
        stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(self.created_at))
        self.dir = settings.run_root / f"run-{stamp}-{run_id}"
        suffix = 1
        while self.dir.exists():  # the same run resumed within the same second
            suffix += 1
            self.dir = settings.run_root / f"run-{stamp}-{run_id}-{suffix}"
        self.log_path = self.dir / f"run-{run_id}{LOG_SUFFIX}"
        header = LogHeader(
            stream=os.urandom(16),
            entity=entity,
            project=project,
            run_id=run_id,
            created_at=self.created_at,
            base_url=settings.base_url,
        )
        self._log_writer = LogWriter(self.log_path, header)
        self._link_latest()
        self.config = Config(lambda changed: self._put(("config", changed)))
        self.summary = Summary(lambda values, removed: self._put(("summary", values, removed)))
        self._wake = threading.Event()
        self._writer = Writer(
            self._log_writer,
            self._items,
            self._wake,
            self.summary._observe,
            settings.flush_interval_s,
            settings.fsync_interval_s,
            files_dir=self.dir / "files",
        )
        self._writer.start()
        self._capture: Capture | None = None
        self._save_at_end: dict[str, tuple[Path, tuple[float, int] | None]] = {}
        self._uploader: Uploader | None = None
        self._public_url = known_public_url(settings.base_url)
        if settings.mode == "online":
            self._uploader = Uploader(self.log_path, settings, self._wake, self._stop_requested)
            self._uploader.start()

    # -- identity -------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """``entity/project/run_id``."""
        return f"{self.entity}/{self.project}/{self.id}"

    @property
    def url(self) -> str:
        """Where the run is seen in the web app: at the server's ``--public-url`` when it has one
        (told in its answers, remembered per server), else at the address the SDK uses."""
        told = self._uploader.public_url if self._uploader is not None else None
        base = told or self._public_url or self.settings.base_url
        return f"{base.rstrip('/')}/{self.entity}/{self.project}/runs/{self.id}"

    @property
    def step(self) -> int:
        """The step the next ``log()`` without ``step=`` writes to."""
        return self._step

    @property
    def finished(self) -> bool:
        """Whether ``finish()`` has run."""
        return self._finished

    @property
    def should_stop(self) -> bool:
        """Whether the server asked this run to stop (the web app's Stop button, early
        termination of a sweep trial, a cancelled sweep): a loop may check it and end early."""
        return self._stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """Why the run was asked to stop (``user``, ``early_terminate``, ``sweep``), else None."""
        return self._stop_reason

    def _stop_requested(self, reason: str) -> None:
        """Called by the sender's thread when an answer carries ``stop``: note it and, unless
        ``settings.stop_interrupts`` is off, raise KeyboardInterrupt in the main thread once."""
        with self._lock:
            if self._stop_reason is not None or self._finished:
                return
            self._stop_reason = reason
            log.warning("cairn: the server asked run %s to stop (%s)", self.path, reason)
            if self.settings.stop_interrupts and not self._interrupted:
                self._interrupted = True
                self._interrupts.interrupt()

    def _link_latest(self) -> None:
        link = self.settings.run_root / "latest-run"
        try:
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(self.dir.name)
        except OSError:
            pass  # a convenience only (e.g. no symlinks on this filesystem)

    def _put(self, item: Item) -> None:
        if self._finished:
            raise InvalidInputError(f"run {self.path} is finished; start a new one with init()")
        self._note_meta(item)
        self._items.put(item)

    def enqueue(self, item: Item) -> bool:
        """Hand a record to the writer from a capture thread; False once the run is finished."""
        if self._finished:
            return False
        self._note_meta(item)
        self._items.put(item)
        return True

    def _note_meta(self, item: Item) -> None:
        # A run record's meta replaces the stored one: remember it, so that the stop reason
        # added at the end goes up together with it rather than instead of it.
        if item[0] == "run" and isinstance(item[1], dict):
            remember(self._run_fields, item[1])
            if isinstance(item[1].get("meta"), dict):
                self._meta_sent = dict(item[1]["meta"])

    def start_capture(self, capture: Capture | None = None) -> None:
        """Start console, system-metrics, git and environment capture as the settings say.

        ``capture``: one already reading git and environment state (``init()`` starts it
        before the run, so that it overlaps making the run).
        """
        if capture is None:
            from cairn.sdk.capturing import Capture

            capture = Capture(self.settings, Path.cwd())
        self._capture = capture
        capture.start(self)

    def save(
        self, glob_str: str, base_path: str | Path | None = None, policy: str = "live"
    ) -> list[str]:
        """Save matching files with the run: ``now``, at the ``end``, or ``live`` (both).

        Files are copied into the run directory, so later edits do not change what was saved
        (``live`` saves again at the end if the file changed). Returns the names in the run.
        """
        from cairn.sdk import files

        if policy not in files.POLICIES:
            raise InvalidInputError(f"policy must be one of {list(files.POLICIES)}")
        matched = files.expand(glob_str, base_path)
        for name, path in matched:
            if policy in ("now", "live"):
                self.enqueue(("file", files.copy_into_run(self.dir, name, path)))
            if policy in ("end", "live"):
                self._save_at_end[name] = (path, None if policy == "end" else files.snapshot(path))
        return [name for name, _ in matched]

    def log_code(self, root: str | Path = ".", include_fn: Any = None) -> list[str]:
        """Save the source files under ``root`` (Python files by default) as ``code/...``."""
        from cairn.sdk import files

        include = include_fn or files.default_include
        saved = files.code_files(Path(root), include)
        for name, path in saved:
            self.enqueue(("file", files.copy_into_run(self.dir, name, path)))
        return [name for name, _ in saved]

    def _save_end_files(self) -> None:
        from cairn.sdk import files

        for name, (path, seen) in self._save_at_end.items():
            if path.is_file() and (seen is None or files.snapshot(path) != seen):
                self._items.put(("file", files.copy_into_run(self.dir, name, path)))

    def save_bytes(self, name: str, data: bytes) -> None:
        """Save ``data`` as the run file ``name`` (kept in the run dir, uploaded with the log)."""
        import hashlib

        check_file_path(name)
        target = self.dir / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.enqueue(("file", file_record(name, hashlib.sha256(data).hexdigest(), len(data))))

    def log_artifact(
        self,
        artifact: Artifact | str | Path,
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
    ) -> Artifact:
        """Log a ``cairn.Artifact`` (or a file or folder as one) as a new version; its files go
        up with the run log. ``artifact.wait()`` returns once the server has it (``vN``)."""
        from cairn.artifacts.logged import log_artifact

        return log_artifact(self, artifact, name=name, type=type, aliases=aliases)

    def use_artifact(self, artifact: Artifact | str, type: str | None = None) -> Artifact:
        """Record that this run uses a version (``name:alias``, ``name:vN``,
        ``entity/project/name:vN`` or an Artifact) and return it; ``download()`` its files."""
        from cairn.artifacts.using import use_artifact

        return use_artifact(self, artifact, type=type)

    def link_model(
        self,
        path: str | Path,
        registered_model_name: str,
        name: str | None = None,
        aliases: list[str] | None = None,
    ) -> RegistryVersion:
        """Log ``path`` as a ``model`` artifact and link it into the registered model (as
        W&B's ``run.link_model``); ``aliases`` such as ``["staging"]`` move onto it."""
        from cairn.registry.linking import link_model

        return link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def link_artifact(
        self, artifact: Artifact, target_path: str, aliases: list[str] | None = None
    ) -> RegistryVersion:
        """Link a logged or used artifact version into the registered model ``target_path``."""
        from cairn.registry.linking import link_artifact, run_client

        return link_artifact(artifact, target_path, aliases, run_client(self))

    # -- recording ------------------------------------------------------------------------

    def log(
        self, data: dict[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """Record metrics at a step; returns at once (the writer thread does the I/O).

        Without ``step`` each call is one step (``commit=False`` keeps adding to the same step).
        With ``step`` values wait for more at that step until a call names another step or
        passes ``commit=True``. Any step is kept, also one lower than before.
        """
        if self._finished:
            raise InvalidInputError(f"run {self.path} is finished; start a new one with init()")
        if os.getpid() != self._owner_pid:
            raise InvalidInputError(
                f"this process was forked from the one that started run {self.path}; log from "
                "that process, or call cairn.init() here (e.g. with group=) for a run of its own"
            )
        if not isinstance(data, dict):
            raise TypeError(f"log() takes a dict of values, not {type(data).__name__}")
        if step is not None:
            if not isinstance(step, int) or isinstance(step, bool) or step < 0:
                raise TypeError(f"step must be an integer >= 0, got {step!r}")
            if self._pending is not None and step != self._pending_step:
                self._commit()
            if step >= self._step:
                self._step = step
            target = step
        else:
            if self._pending is not None and self._pending_explicit:
                self._commit()  # a row held at an explicit step ends when auto steps resume
            target = self._step
        if self._pending is None:
            self._pending = {}
            self._pending_step = target
            self._pending_explicit = step is not None
            self._pending_time = time.time()
        self._pending.update(data)
        if commit or (commit is None and step is None):
            self._commit()
        else:
            # The row waits for more values: fix its media now, as they are when logged.
            freeze_media(self._pending, data)

    def _commit(self) -> None:
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        numbers, others, media = split_values(pending, self._known_keys)
        self._items.put(("row", self._pending_step, self._pending_time, numbers, others, media))
        if self._pending_step >= self._step:
            self._step = self._pending_step + 1

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
    ) -> MetricRule:
        """How a metric (or a glob, ``val/*``) is plotted and summarised, from now on.

        ``step_metric``: its default x axis in the web app; with ``step_sync`` (default True)
        a row without the step metric gets its latest value. ``summary``: ``min``, ``max``,
        ``mean``, ``first``, ``last``, ``best`` (with ``goal``) or ``none``, or several
        (``"min,max"``). ``hidden``: no generated panel. A second call for the same name changes
        only what it passes, unless ``overwrite=True``. Recorded in ``meta["metrics"]``.
        """
        rule = self._metric_definitions.define(
            name, step_metric, summary, goal, hidden, step_sync, overwrite
        )
        self._put(("rule", rule))
        return rule

    def update_run(self, **fields: Any) -> None:
        """Record run metadata (name, tags, notes, group, job_type, host, git, meta)."""
        validate_record([RUN, fields])
        self._put(("run", fields))

    def alert(
        self,
        title: str,
        text: str,
        level: str | None = None,
        wait_duration: float | timedelta | None = None,
    ) -> None:
        """Record an alert on the run (``level``: ``INFO``, ``WARN``, ``ERROR`` or a
        ``cairn.AlertLevel``); one with the same title within ``wait_duration`` (seconds or a
        timedelta, default one minute) of the last is dropped, as in W&B."""
        if self._alerts is None:
            from cairn.sdk.alerts import AlertLimiter

            self._alerts = AlertLimiter()
        record = self._alerts.admit(title, text, level, wait_duration, self.path)
        if record is not None:
            self._put(("record", record))

    def mark_preempting(self) -> None:
        """Say now that this run is being preempted: flushed, marked ``meta.preempting``; it
        ends ``killed`` with ``meta.stop_reason = "preempted"`` and can be resumed."""
        from cairn.sdk import preemption

        preemption.mark_preempting(self)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything logged so far is in the run log and fsynced."""
        self._commit()
        done = threading.Event()
        self._put(("sync", done))
        return done.wait(timeout_s)

    # -- ending ---------------------------------------------------------------------------

    def finish(
        self,
        exit_code: int | None = None,
        timeout_s: float | None = None,
        *,
        killed: bool = False,
    ) -> None:
        """Flush, write the finish record, and wait (bounded) for the upload.

        The run ends ``killed`` when ``killed`` is set (Ctrl-C) or the server asked it to stop
        (then ``meta.stop_reason`` says why); otherwise ``finished`` or, for a non-zero
        ``exit_code``, ``failed``.
        """
        if os.getpid() != self._owner_pid:
            return  # a forked child owns none of the run's threads or files: nothing to finish
        with self._lock:
            if self._finished:
                return
            if self._capture is not None:
                self._capture.stop()
            self._commit()
            self._save_end_files()
            code = 0 if exit_code is None else exit_code
            if self._stop_reason is None and self._uploader is not None:
                # an answer may have asked for the stop just now, too late to interrupt
                self._stop_reason = self._uploader.stop_reason
            record = finish_record(time.time(), code)
            if self._stop_reason is not None:
                self._items.put(("run", {"meta": {**self._meta_sent,
                                                  "stop_reason": self._stop_reason}}))  # fmt: skip
            if self._stop_reason is not None or killed:
                record[1]["state"] = "killed"
            self._items.put(("finish", record))
            self._finished = True
            self._interrupts.disarm()
        self._wait_for_writer()
        if self._writer.dropped_records:
            log.warning("%d records could not be written to the run log (disk full?)",
                        self._writer.dropped_records)  # fmt: skip
        if self._writer.invalid_records:
            log.warning("%d invalid records were not recorded (see the first warning)",
                        self._writer.invalid_records)  # fmt: skip
        if record[1].get("state") is None and code == 0:
            forget_run(self.settings.run_root, self.id)  # ended cleanly: auto starts anew
        quiet = self.settings.silent
        sync = f"cairn sync {shlex.quote(str(self.dir))} --base-url {self.settings.base_url}"
        if self._uploader is None:
            if self.settings.mode == "offline" and not quiet:
                _say(f"cairn: run {self.path} saved offline; upload it with: {sync}")
            return
        total = self._log_writer.records
        timeout = self.settings.finish_timeout_s if timeout_s is None else timeout_s
        left = self._uploader.drain(total, timeout, self.settings.show_progress and not quiet)
        if left and not quiet:
            _say(f"cairn: {left} of {total} records of run {self.path} are not uploaded yet; "
                 f"upload them with: {sync}")  # fmt: skip

    def _wait_for_writer(self, stall_s: float = 60.0) -> None:
        """Wait for the writer to write everything queued: as long as it makes progress (media
        encoding can take a while), but no more than ``stall_s`` without any."""
        while True:
            before = self._items.qsize()
            self._writer.join(timeout=stall_s)
            if not self._writer.is_alive():
                return
            if self._items.qsize() >= before:
                log.warning("the run log writer made no progress for %.0f s; not waiting for it",
                            stall_s)  # fmt: skip
                return

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
        self.finish(exit_code=exit_code_of(exc_type), killed=interrupted)

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self.name})>"


INTERRUPTED_EXIT_CODE = 130
"""The exit code a shell reports for a process ended by Ctrl-C (128 + SIGINT)."""


def exit_code_of(kind: type[BaseException] | None) -> int:
    """The exit code a run records when its code ended with ``kind`` (None: normally)."""
    if kind is None:
        return 0
    return INTERRUPTED_EXIT_CODE if issubclass(kind, KeyboardInterrupt) else 1


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_dir_of(path: Path) -> Path:
    """The run directory for a path that is a run directory or a run log inside one."""
    return path.parent if path.suffix == LOG_SUFFIX else path
