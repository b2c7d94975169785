"""``cairn.init`` and the module-level current run (``cairn.log``, ``cairn.finish``...)."""

from __future__ import annotations

import atexit
import logging
import socket
import sys
import threading
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from cairn.errors import CairnError, InvalidInputError
from cairn.naming import new_run_id, new_run_name
from cairn.sdk.config import DEFAULTS_FILE, Config, load_yaml
from cairn.sdk.disabled import DisabledRun
from cairn.sdk.metrics import MetricRule
from cairn.sdk.resume import auto_run_id, remember_run, resume_point
from cairn.sdk.run import Run, exit_code_of
from cairn.sdk.settings import RESUME_MODES, Settings, load_settings
from cairn.sdk.summary import STATE_KEY
from cairn.wire import check_name, check_run_id, validate_record
from cairn.wire.records import RUN

logger = logging.getLogger("cairn")

_state: dict[str, Any] = {"run": None, "open": [], "exit_code": None, "killed": False,
                          "hooks": False}  # fmt: skip
_lock = threading.Lock()
REINIT_MODES = ("default", "finish_previous", "return_previous", "create_new")


def current_run() -> Run | None:
    """The run started by the last ``init()``, unless finished (``cairn.run``)."""
    run: Run | None = _state["run"]
    return run if run is not None and not run.finished else None


def open_runs() -> list[Run]:
    """Every run this process started and has not finished, the most recent first."""
    runs: list[Run] = [run for run in _state["open"] if not run.finished]
    _state["open"] = runs
    return runs[::-1]


def reinit_mode(reinit: bool | str | None) -> str:
    """What a new ``init()`` does with runs still open: ``finish_previous`` (the default, and
    what ``False`` means), ``return_previous``, or ``create_new`` (what ``True`` means: the
    earlier runs stay open, the new one becomes ``cairn.run``)."""
    if reinit is None or reinit is False or reinit == "default":
        return "finish_previous"
    if reinit is True:
        return "create_new"
    if reinit not in REINIT_MODES:
        raise InvalidInputError(f"reinit must be True, False or one of {list(REINIT_MODES)}")
    return str(reinit)


def _settings_from(settings: Settings | dict[str, Any] | None, **args: Any) -> Settings:
    overrides: dict[str, Any] = {}
    if isinstance(settings, Settings):
        defaults = Settings()
        overrides = {
            f.name: getattr(settings, f.name)
            for f in fields(settings)
            if getattr(settings, f.name) != getattr(defaults, f.name)
        }
    elif isinstance(settings, dict):
        overrides = dict(settings)
    elif settings is not None:
        raise InvalidInputError("settings must be a cairn.Settings or a dict")
    return load_settings(**{**overrides, **{k: v for k, v in args.items() if v is not None}})


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    id: str | None = None,
    config: Any = None,
    tags: list[str] | None = None,
    group: str | None = None,
    job_type: str | None = None,
    notes: str | None = None,
    dir: str | Path | None = None,
    mode: str | None = None,
    resume: str | bool | None = None,
    settings: Settings | dict[str, Any] | None = None,
    reinit: bool | str | None = None,
) -> Run:
    """Start a run and make it the current one.

    Runs still open are finished first, unless ``reinit`` is ``True``/``"create_new"`` (they
    stay open: several runs in one process) or ``"return_previous"`` (the current run is
    returned and nothing is started).
    """
    how = reinit_mode(reinit)
    with _lock:
        previous = current_run()
        if previous is not None and how == "return_previous":
            return previous
        if how == "finish_previous":
            for earlier in open_runs():
                earlier.finish()
        resolved = _settings_from(
            settings, project=project, entity=entity, dir=Path(dir) if dir else None, mode=mode
        )
        run = _start(resolved, name, id, config, tags, group, job_type, notes, resume)
        _state["run"] = run
        _state["open"].append(run)
        _install_hooks()
        if resolved.handle_sigterm and resolved.mode != "disabled":
            from cairn.sdk import preemption

            preemption.install(open_runs)
    show = resolved.mode == "online" and resolved.show_progress and not resolved.silent
    if show and not _show_in_notebook(run):
        print(f"cairn: tracking run {run.name} at {run.url}", file=sys.stderr, flush=True)
    return run


def _show_in_notebook(run: Run) -> bool:
    """In a Jupyter kernel, show the run's link in the cell; False anywhere else."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return False
    import html
    import importlib

    ipython_display: Any = importlib.import_module("IPython.display")
    link = f'<a href="{html.escape(run.url)}" target="_blank">{html.escape(run.name)}</a>'
    ipython_display.display(
        ipython_display.HTML(f"cairn: tracking run {link} ({html.escape(run.path)})")
    )
    return True


def _start(
    settings: Settings,
    name: str | None,
    run_id: str | None,
    config: Any,
    tags: list[str] | None,
    group: str | None,
    job_type: str | None,
    notes: str | None,
    resume: str | bool | None,
) -> Run:
    project = check_name(settings.project or "uncategorized", "project")
    entity = check_name(settings.default_entity(), "entity")
    name = name if name is not None else settings.run_name
    group = group if group is not None else settings.run_group
    tags = tags if tags is not None else (None if settings.tags is None else list(settings.tags))
    mode = _resume_mode(resume if resume is not None else settings.resume)
    run_id = run_id or settings.run_id  # the sweep agent names the run it was handed
    if mode == "auto":
        mode = "allow"
        run_id = run_id or auto_run_id(settings.run_root, entity, project)
    if mode == "must" and not run_id:
        raise InvalidInputError(
            "resume='must' needs the id of the run to continue: init(id=..., resume='must')"
        )
    if not run_id:
        mode = None  # no run named: nothing to continue or to refuse
    run_id = check_run_id(run_id) if run_id else new_run_id()
    given = {"name": name, "tags": None if tags is None else list(tags), "group": group,
             "job_type": job_type, "notes": notes}  # fmt: skip
    validate_record([RUN, {k: v for k, v in given.items() if v is not None}])
    if settings.mode == "disabled":
        return DisabledRun(settings, entity=entity, project=project, run_id=run_id,
                           name=name or new_run_name())  # fmt: skip
    point = None
    if mode is not None:
        point = resume_point(settings, entity, project, run_id, mode)
    user_named = name is not None
    if point is not None and name is None:
        name = point.name
    from cairn.sdk.capturing import Capture

    capture = Capture(settings, Path.cwd())  # reads git state while the run is being made
    try:
        run = Run(
            settings,
            entity=entity,
            project=project,
            run_id=run_id,
            name=name or new_run_name(),
            start_step=0 if point is None else point.start_step,
        )
    except BaseException:
        capture.abandon()
        raise
    remember_run(settings.run_root, entity, project, run_id)
    meta: dict[str, Any] = {"name": run.name, "host": socket.gethostname(),
                            "created_at": run.created_at}  # fmt: skip
    for key, value in (("tags", tags), ("group", group), ("job_type", job_type),
                       ("notes", notes)):  # fmt: skip
        if value is not None:
            meta[key] = list(value) if key == "tags" else value
    if point is not None:
        meta["resumed"] = True
        if point.relative_steps:
            meta["relative_steps"] = True
        del meta["created_at"]
        if not user_named:
            del meta["name"]  # a resumed run keeps its name unless a new one is given
    run.update_run(**meta)
    if point is not None and point.summary:
        run.summary._observe({k: v for k, v in point.summary.items() if k != STATE_KEY})
        run.enqueue(("resume", point.summary))
    run.start_capture(capture)
    defaults = Path.cwd() / DEFAULTS_FILE
    if defaults.is_file():
        run.config.update(load_yaml(defaults), allow_val_change=True)
    if config is not None:
        run.config.update(config, allow_val_change=True)
    if settings.sweep_params is not None:
        apply_sweep_params(run.config, settings.sweep_params)
    return run


def apply_sweep_params(config: Config, params: Mapping[str, Any]) -> None:
    """Set a sweep trial's parameters over what the config holds (nested dicts merged, the
    parameters win, as in W&B) and lock them: later updates of those keys are ignored."""
    merged = {key: _merge(config.get(key), value) for key, value in params.items()}
    config.update(merged, allow_val_change=True)
    config.lock(params.keys(), "sweep")


def _merge(current: Any, given: Any) -> Any:
    """``given`` over ``current``, dict into dict key by key."""
    if isinstance(current, Mapping) and isinstance(given, Mapping):
        return {**current, **{k: _merge(current.get(k), v) for k, v in given.items()}}
    return given


def _resume_mode(resume: str | bool | None) -> str | None:
    """The resume mode ``init(resume=)`` names (True is ``allow``); None: a new run."""
    if resume is True:
        return "allow"
    if resume is None or resume is False:
        return None
    if resume not in RESUME_MODES:
        raise InvalidInputError(f"resume must be one of {list(RESUME_MODES)} or None")
    return str(resume)


def _install_hooks() -> None:
    if _state["hooks"]:
        return
    _state["hooks"] = True
    previous = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        # Ctrl-C, or a stop request from the server interrupting the script: the run is killed.
        _state["exit_code"] = exit_code_of(kind)
        _state["killed"] = issubclass(kind, KeyboardInterrupt)
        previous(kind, value, tb)

    sys.excepthook = excepthook
    original_exit = sys.exit

    def exit_recording_code(status: str | int | None = None) -> NoReturn:
        # atexit cannot see the exit status, so remember what the script passed to sys.exit.
        _state["exit_code"] = _status_code(status)
        original_exit(status)

    sys.exit = exit_recording_code
    atexit.register(_finish_at_exit)


def _status_code(status: object) -> int:
    """The process exit code ``sys.exit(status)`` gives: None is 0, an int itself, else 1."""
    if status is None:
        return 0
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    return 1


def _finish_at_exit() -> None:
    for run in open_runs():
        try:
            run.finish(exit_code=_state["exit_code"] or 0, killed=_state["killed"])
        except CairnError as exc:
            print(f"cairn: could not finish run {run.path}: {exc}", file=sys.stderr)


def _require_run() -> Run:
    run = current_run()
    if run is None:
        raise InvalidInputError("no run is active: call cairn.init() first")
    return run


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """``log`` on the current run."""
    _require_run().log(data, step=step, commit=commit)


def finish(exit_code: int | None = None, timeout_s: float | None = None) -> None:
    """Finish the current run (nothing happens when none is active)."""
    run = current_run()
    if run is not None:
        run.finish(exit_code=exit_code, timeout_s=timeout_s)


def save(glob_str: str, base_path: str | Path | None = None, policy: str = "live") -> list[str]:
    """``save`` on the current run."""
    return _require_run().save(glob_str, base_path=base_path, policy=policy)


def define_metric(name: str, **kwargs: Any) -> MetricRule:
    """``define_metric`` on the current run."""
    return _require_run().define_metric(name, **kwargs)
