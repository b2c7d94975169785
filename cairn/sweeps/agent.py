"""The sweep agent: asks the server for trials and runs them, one at a time, until told to stop.

``cairn agent ENTITY/PROJECT/SWEEP_ID`` and ``cairn.agent(path, function=train)`` both land here.
Each trial's run is made by the server when it hands the trial out (design 0012); the agent
only starts the trial with ``CAIRN_RUN_ID``, ``CAIRN_SWEEP_ID`` and ``CAIRN_SWEEP_PARAMS`` set,
so the child's ``cairn.init()`` takes that run and those parameters. A trial whose process ended
without finishing its run (it crashed before reporting, or never called ``cairn.init``) is
settled through ``PATCH`` of the run, so the sweep's slot frees at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cairn.errors import CairnError, InvalidInputError
from cairn.sweeps.command import arg_text, build_command, needs_json_file, trial_env

POLL_S = 10.0
"""How often a waiting agent asks a paused sweep again (spread by ±20 %)."""
GRACE_S = 30.0
"""How long Ctrl-C waits for a trial to finish its run before killing it."""
MAX_INITIAL_FAILURES = 5
"""An agent whose first this-many trials all fail stops: the program is likely broken."""
DONE_REASONS = ("finished", "cancelled", "exhausted", "run_cap")


@dataclass(frozen=True, slots=True)
class SweepPath:
    """``entity/project/sweep_id``."""

    entity: str
    project: str
    sweep_id: str

    def __str__(self) -> str:
        return f"{self.entity}/{self.project}/{self.sweep_id}"

    @classmethod
    def parse(cls, text: str, entity: str | None = None, project: str | None = None) -> SweepPath:
        """A path from ``entity/project/id``, ``project/id`` or ``id`` (the parts left out come
        from ``entity`` and ``project``); InvalidInputError saying what is missing."""
        parts = list(str(text).strip().split("/"))
        if not 1 <= len(parts) <= 3 or not all(parts):
            raise InvalidInputError(
                f"a sweep is named ENTITY/PROJECT/SWEEP_ID (or SWEEP_ID with --project), "
                f"got {text!r}"
            )
        sweep_id = parts[-1]
        project = parts[-2] if len(parts) >= 2 else project
        entity = parts[0] if len(parts) == 3 else entity
        if not project:
            raise InvalidInputError(
                f"which project is sweep {sweep_id!r} in? Give ENTITY/PROJECT/{sweep_id}, "
                "or --project (CAIRN_PROJECT)"
            )
        if not entity:
            raise InvalidInputError(
                f"which entity is sweep {sweep_id!r} in? Give ENTITY/{project}/{sweep_id}, "
                "or --entity (CAIRN_ENTITY)"
            )
        return cls(entity, project, sweep_id)


class SweepApi:
    """The sweep routes of design 0012 and the run routes the agent needs, over HTTP."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        from cairn.sdk.api.client import ApiClient

        self.base_url = base_url
        self.api_key = api_key
        self._client = ApiClient(base_url, api_key)

    def create(
        self, entity: str, project: str, config: dict[str, Any] | str, name: str | None
    ) -> dict[str, Any]:
        """Create a sweep; InvalidInputError listing every problem of a bad config."""
        body: dict[str, Any] = {"config": config}
        if name:
            body["name"] = name
        result: dict[str, Any] = self._client.request(
            "POST", f"/api/v1/projects/{entity}/{project}/sweeps", json=body
        )
        return result

    def get(self, path: SweepPath) -> dict[str, Any]:
        """The sweep."""
        result: dict[str, Any] = self._client.request("GET", f"/api/v1/sweeps/{path}")
        return result

    def next(self, path: SweepPath, agent: str) -> dict[str, Any]:
        """``{trial: {run_id, params} | null, state, reason?}``."""
        result: dict[str, Any] = self._client.request(
            "POST", f"/api/v1/sweeps/{path}/next", json={"agent": agent}
        )
        return result

    def control(self, path: SweepPath, action: str) -> dict[str, Any]:
        """pause, resume, stop or cancel; the sweep as it is afterwards."""
        result: dict[str, Any] = self._client.request(
            "POST", f"/api/v1/sweeps/{path}/control", json={"action": action}
        )
        return result

    def run(self, path: SweepPath, run_id: str) -> dict[str, Any]:
        """A trial's run."""
        return self._client.get_run(path.entity, path.project, run_id)

    def end_run(self, path: SweepPath, run_id: str, state: str, exit_code: int) -> dict[str, Any]:
        """Record how a trial's run ended when its process could not."""
        result: dict[str, Any] = self._client.request(
            "PATCH",
            f"/api/v1/runs/{path.entity}/{path.project}/{run_id}",
            json={"state": state, "exit_code": exit_code},
        )
        return result

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._client.close()


@dataclass(frozen=True, slots=True)
class Trial:
    """What ``next`` handed out."""

    run_id: str
    params: dict[str, Any]


class Interrupted(Exception):
    """Ctrl-C reached the agent: the current trial was ended; ask for no more."""


def exit_code_of_process(returncode: int) -> int:
    """A process's exit status as a shell reports it: a signal ``n`` is ``128 + n``."""
    return 128 - returncode if returncode < 0 else returncode


class Agent:
    """Runs trials of one sweep until the sweep is done, ``count`` trials ran, or Ctrl-C.

    ``function``: run each trial in this process by calling it (it calls ``cairn.init()``);
    else each trial is a subprocess built from the sweep's ``command``/``program``.
    """

    def __init__(
        self,
        path: SweepPath,
        api: SweepApi,
        *,
        function: Callable[[], Any] | None = None,
        count: int | None = None,
        poll_s: float = POLL_S,
        grace_s: float = GRACE_S,
        out: TextIO | None = None,
    ) -> None:
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise InvalidInputError(f"count must be a whole number, got {count!r}")
        if count is not None and count < 1:
            raise InvalidInputError(f"count must be at least 1, got {count}")
        if function is not None and not callable(function):
            raise InvalidInputError("function must be callable (the training function)")
        self.path = path
        self.api = api
        self.function = function
        self.count = count
        self.poll_s = poll_s
        self.grace_s = grace_s
        self.out = out or sys.stderr
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.ran = 0
        self.failed = 0
        self._config: dict[str, Any] = {}

    def say(self, message: str) -> None:
        """One line to the agent's output."""
        print(f"cairn agent: {message}", file=self.out, flush=True)

    def run(self) -> int:
        """Run trials; the exit code for the command line (0 done, 1 failing program, 130
        Ctrl-C)."""
        sweep = self.api.get(self.path)
        config = sweep.get("config")
        self._config = config if isinstance(config, dict) else {}
        if self.function is None:
            self._check_command()
        self.say(f"running trials of sweep {self.path} ({sweep.get('state', '?')})")
        waiting = False
        try:
            while self.count is None or self.ran < self.count:
                answer = self.api.next(self.path, self.name)
                trial = answer.get("trial")
                if trial is None:
                    reason = answer.get("reason") or answer.get("state") or "finished"
                    if reason == "paused":
                        if not waiting:
                            self.say("the sweep is paused; waiting for it to resume (Ctrl-C "
                                     "to stop)")  # fmt: skip
                        waiting = True
                        time.sleep(self.poll_s * random.uniform(0.8, 1.2))
                        continue
                    self.say(f"no more trials: the sweep is {reason}")
                    return 0
                waiting = False
                self._run_trial(Trial(str(trial["run_id"]), dict(trial.get("params") or {})))
                if self.failed == self.ran >= MAX_INITIAL_FAILURES:
                    self.say(f"the first {self.ran} trials all failed; stopping this agent "
                             "(fix the program, then start the agent again)")  # fmt: skip
                    return 1
        except (KeyboardInterrupt, Interrupted):
            self.say("interrupted; this agent asks for no more trials")
            return 130
        if self.count is not None:
            self.say(f"ran {self.ran} trial(s), as --count asked")
        return 0

    def _check_command(self) -> None:
        """Refuse a sweep whose command this agent cannot build, before taking a trial."""
        build_command({}, command=self._command(), program=self._config.get("program"),
                      args_json_file="-")  # fmt: skip

    def _command(self) -> list[str] | None:
        command = self._config.get("command")
        return [str(c) for c in command] if isinstance(command, list) else None

    def _run_trial(self, trial: Trial) -> None:
        self.ran += 1
        shown = ", ".join(f"{k}={arg_text(v)}" for k, v in trial.params.items())
        self.say(f"trial {self.ran}: run {trial.run_id} with {shown or 'no parameters'}")
        env = trial_env(
            run_id=trial.run_id,
            sweep_id=self.path.sweep_id,
            params=trial.params,
            entity=self.path.entity,
            project=self.path.project,
            base_url=self.api.base_url,
            api_key=self.api.api_key,
        )
        try:
            if self.function is not None:
                code, interrupted = self._call_function(env)
            else:
                code, interrupted = self._run_process(trial, env)
        except KeyboardInterrupt:
            # Ctrl-C before the trial started: its run was made, it will never report.
            self._settle(trial, 130, interrupted=True)
            raise Interrupted from None
        # a run stopped by the server (early termination) ends killed: not a failure
        if self._settle(trial, code, interrupted) in ("failed", "crashed"):
            self.failed += 1
        if interrupted:
            raise Interrupted

    def _run_process(self, trial: Trial, env: dict[str, str]) -> tuple[int, bool]:
        """Run the trial as a subprocess; (exit code, whether Ctrl-C ended it)."""
        command = self._command()
        with tempfile.TemporaryDirectory(prefix="cairn-trial-") as tmp:
            json_file = None
            if needs_json_file(command):
                json_file = str(Path(tmp) / "args.json")
                Path(json_file).write_text(json.dumps(trial.params))
            argv = build_command(trial.params, command=command,
                                 program=self._config.get("program"),
                                 args_json_file=json_file)  # fmt: skip
            try:
                # A session of its own: Ctrl-C at the terminal reaches the agent only, which
                # passes on exactly one SIGINT (a second one could break the run's finish).
                process = subprocess.Popen(argv, env={**os.environ, **env},
                                           start_new_session=True)  # fmt: skip
            except OSError as exc:
                self.say(f"cannot start {argv[0]!r}: {exc}")
                return 127, False
            try:
                return exit_code_of_process(process.wait()), False
            except KeyboardInterrupt:
                return self._stop_process(process), True

    def _stop_process(self, process: subprocess.Popen[bytes]) -> int:
        """Ctrl-C: SIGINT to the trial, wait (bounded) for it to finish its run, else kill."""
        self.say(f"Ctrl-C: stopping the trial (waiting up to {self.grace_s:.0f} s; Ctrl-C "
                 "again to kill it)")  # fmt: skip
        _signal_group(process, signal.SIGINT)
        try:
            return exit_code_of_process(process.wait(self.grace_s))
        except subprocess.TimeoutExpired:
            self.say("the trial did not stop in time; killing it")
        except KeyboardInterrupt:
            self.say("killing the trial")
        _signal_group(process, signal.SIGKILL)
        return exit_code_of_process(process.wait())

    def _call_function(self, env: dict[str, str]) -> tuple[int, bool]:
        """Run the trial in this process; (exit code, whether Ctrl-C ended it)."""
        from cairn.sdk.init import current_run

        function = self.function
        assert function is not None
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        code, interrupted, stopped = 0, False, False
        try:
            function()
        except KeyboardInterrupt:
            run = current_run()
            # A stop request from the server interrupts like Ctrl-C: that ends this trial only.
            stopped = run is not None and run.id == env["CAIRN_RUN_ID"] and run.should_stop
            code, interrupted = 130, not stopped
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            run = current_run()
            if run is not None and run.id == env["CAIRN_RUN_ID"]:
                run.finish(exit_code=code, killed=interrupted or stopped)
        return code, interrupted

    def _settle(self, trial: Trial, code: int, interrupted: bool) -> str | None:
        """Record the end of a trial whose run is still ``running`` (its process never
        finished it), say how it ended; the run's final state (None when unknown)."""
        try:
            run = self.api.run(self.path, trial.run_id)
            state = run.get("state")
            if state == "running":
                state = "killed" if interrupted else ("failed" if code else "finished")
                run = self.api.end_run(self.path, trial.run_id, state, code)
                if run.get("state") != state:
                    self.say(f"the server did not record run {trial.run_id} as {state}; "
                             "it is marked crashed once its heartbeat stops")  # fmt: skip
        except CairnError as exc:
            self.say(f"could not record how run {trial.run_id} ended: {exc}")
            return "failed" if code and not interrupted else None
        reason = (run.get("meta") or {}).get("stop_reason")
        stopped = f", stopped: {reason}" if reason else ""
        self.say(f"run {trial.run_id} {run.get('state')} (exit code {code}{stopped})")
        final = run.get("state")
        return final if isinstance(final, str) else None


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the trial's process group (its data loaders and helpers too)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
) -> None:
    """Run trials of a sweep in this process, as ``wandb.agent`` does.

    ``sweep_id``: ``entity/project/id``, or the id with ``entity``/``project`` (defaults: the
    ``CAIRN_ENTITY``/``CAIRN_PROJECT`` settings). ``function`` is called once per trial and
    calls ``cairn.init()``, which takes the trial's run and parameters; without it each trial
    runs the sweep's ``program``. Ctrl-C ends the current trial (its run ``killed``) and
    re-raises KeyboardInterrupt.
    """
    from cairn.sdk.settings import load_settings

    settings = load_settings()
    path = SweepPath.parse(
        sweep_id, entity or settings.default_entity(), project or settings.project
    )
    api = SweepApi(settings.base_url, settings.api_key)
    try:
        code = Agent(path, api, function=function, count=count).run()
    finally:
        api.close()
    if code == 130:
        raise KeyboardInterrupt
