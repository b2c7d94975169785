"""SDK settings: one typed object built once from arguments, environment and the login file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError
from cairn.sdk.envvars import FALSE, MODES, RESUME_MODES, SDK_VARIABLES, TRUE, EnvVar
from cairn.sdk.login import DEFAULT_BASE_URL, check_base_url, stored_login

__all__ = [
    "DEFAULT_BASE_URL",
    "MODES",
    "RESUME_MODES",
    "Settings",
    "credentials_path",
    "load_settings",
]


def credentials_path() -> Path:
    """Where ``cairn login`` keeps API keys (netrc format, mode 0600)."""
    from cairn.sdk import login

    return Path(login.credentials_path())


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know; built once, passed down, never read from env later."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    mode: str = "online"
    project: str | None = None
    entity: str | None = None
    dir: Path | None = None
    heartbeat_s: float = 15.0
    flush_interval_s: float = 0.1
    send_linger_s: float = 0.05
    fsync_interval_s: float = 1.0
    finish_timeout_s: float = 60.0
    batch_max_records: int = 5000
    batch_max_bytes: int = 8 * 1024 * 1024
    capture_console: bool = True
    capture_git: bool = True
    capture_code_diff: bool = True
    capture_environment: bool = True
    capture_system: bool = True
    system_interval_s: float = 10.0
    show_progress: bool = True
    stop_interrupts: bool = True
    """On a stop request from the server, interrupt the main thread as Ctrl-C would."""
    handle_sigterm: bool = True
    """On SIGTERM (preemption), end the open runs ``killed``/``preempted`` before the process
    goes (``CAIRN_HANDLE_SIGTERM``); see cairn/sdk/preemption.py."""
    run_id: str | None = None
    """The id ``init()`` gives a run when none is passed (``CAIRN_RUN_ID``, set by the agent)."""
    sweep_id: str | None = None
    """The sweep the run is a trial of (``CAIRN_SWEEP_ID``)."""
    sweep_params: Mapping[str, Any] | None = None
    """The trial's parameters (``CAIRN_SWEEP_PARAMS``, JSON): they win over any other config."""
    run_name: str | None = None
    """The name ``init()`` gives a run when none is passed (``CAIRN_RUN_NAME``)."""
    run_group: str | None = None
    """The group ``init()`` gives a run when none is passed (``CAIRN_RUN_GROUP``)."""
    tags: tuple[str, ...] | None = None
    """The tags ``init()`` gives a run when none are passed (``CAIRN_TAGS``, comma-separated)."""
    resume: str | None = None
    """The ``resume`` mode ``init()`` uses when none is passed (``CAIRN_RESUME``)."""
    silent: bool = False
    """Print nothing: no run link, upload progress or ``cairn sync`` hint (``CAIRN_SILENT``)."""

    def merged(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise InvalidInputError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def validated(self) -> Settings:
        """Check values; raise InvalidInputError naming the bad one."""
        if self.mode not in MODES:
            raise InvalidInputError(f"mode must be one of {list(MODES)}, got {self.mode!r}")
        check_base_url(self.base_url)
        if self.resume is not None and self.resume not in RESUME_MODES:
            raise InvalidInputError(
                f"resume must be one of {list(RESUME_MODES)}, got {self.resume!r}"
            )
        for name in ("heartbeat_s", "flush_interval_s", "send_linger_s", "fsync_interval_s"):
            value = getattr(self, name)
            if not value >= 0:
                raise InvalidInputError(f"{name} must be a number >= 0, got {value!r}")
        return self

    @property
    def run_root(self) -> Path:
        """The directory that holds run directories (``./cairn`` by default)."""
        return (self.dir or Path.cwd()) / "cairn"

    def default_entity(self) -> str:
        """The entity runs go to when none is given: the setting, else the OS user's name."""
        return self.entity or os_user_entity()


def os_user_entity() -> str:
    """The OS user's name as an entity name (``local`` when there is none)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "local"
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", user).strip("-.") or "local"
    return cleaned[:128]


def _from_env(var: EnvVar, text: str) -> Any:
    """The typed value of one ``CAIRN_*`` variable; InvalidInputError naming it when malformed."""
    if var.kind == "path":
        return Path(text)
    if var.kind == "bool":
        if text.strip().lower() in TRUE:
            return True
        if text.strip().lower() in FALSE:
            return False
        raise InvalidInputError(f"{var.name} must be true or false, got {text!r}")
    if var.kind == "list":
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if var.kind == "choice" and text not in var.choices:
        raise InvalidInputError(f"{var.name} must be one of {list(var.choices)}, got {text!r}")
    if var.kind == "json":
        import json

        try:
            params = json.loads(text)
        except ValueError as exc:
            raise InvalidInputError(f"{var.name} must be a JSON object: {exc}") from None
        if not isinstance(params, dict):
            raise InvalidInputError(f"{var.name} must be a JSON object, got {text[:80]!r}")
        return params
    return text


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from (lowest first) defaults, the login file, the environment, ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for var in SDK_VARIABLES:
        if var.setting is not None and environ.get(var.name):
            values[var.setting] = _from_env(var, environ[var.name])
    settings = Settings().merged(**values).merged(**overrides)
    if settings.api_key is None:
        user, key = stored_login(settings.base_url)
        # Runs go to the logged-in user's entity unless one is named.
        settings = settings.merged(api_key=key, entity=settings.entity or user)
    return settings.validated()
