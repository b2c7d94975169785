"""Every ``CAIRN_*`` variable the SDK and the command line read: one registry.

``load_settings`` reads the variables that set a :class:`~cairn.sdk.settings.Settings` field
from here, and ``docs/environment.md`` is generated from it (``make docs``; a test checks the
page is current), so a variable cannot be read without being documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["text", "bool", "path", "json", "list", "choice"]

MODES: Final = ("online", "offline", "disabled")
RESUME_MODES: Final = ("allow", "must", "never", "auto")


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One environment variable: what it sets and how its text is read."""

    name: str
    setting: str | None
    """The ``Settings`` field it sets; None for one read elsewhere (named in ``doc``)."""
    kind: Kind
    doc: str
    choices: tuple[str, ...] = ()


SDK_VARIABLES: Final[tuple[EnvVar, ...]] = (
    EnvVar("CAIRN_BASE_URL", "base_url", "text",
           "Server URL (default `http://127.0.0.1:8080`)."),
    EnvVar("CAIRN_API_KEY", "api_key", "text",
           "API key; without it the key `cairn login` stored for the server URL."),
    EnvVar("CAIRN_NETRC", None, "path",
           "Where `cairn login` keeps API keys (default `~/.config/cairn/netrc`)."),
    EnvVar("CAIRN_CACHE_DIR", None, "path",
           "Where downloaded artifact files are cached, by content (default "
           "`$XDG_CACHE_HOME/cairn`, else `~/.cache/cairn`; `cairn artifact cache cleanup "
           "--max-size` bounds it)."),
    EnvVar("CAIRN_MODE", "mode", "choice", "`init(mode=)`: where runs go.", MODES),
    EnvVar("CAIRN_PROJECT", "project", "text",
           "`init(project=)`, also the project of `cairn sweep`/`cairn agent`."),
    EnvVar("CAIRN_ENTITY", "entity", "text",
           "`init(entity=)`; default the logged-in user, else the OS user."),
    EnvVar("CAIRN_DIR", "dir", "path", "`init(dir=)`: run logs go to `<dir>/cairn/`."),
    EnvVar("CAIRN_RUN_ID", "run_id", "text",
           "`init(id=)` when none is passed (the sweep agent sets it for its trials)."),
    EnvVar("CAIRN_RUN_NAME", "run_name", "text", "`init(name=)` when none is passed."),
    EnvVar("CAIRN_RUN_GROUP", "run_group", "text", "`init(group=)` when none is passed."),
    EnvVar("CAIRN_TAGS", "tags", "list",
           "`init(tags=)` when none are passed: comma-separated (`a,b`)."),
    EnvVar("CAIRN_RESUME", "resume", "choice",
           "`init(resume=)` when none is passed (see Resuming in sdk.md).", RESUME_MODES),
    EnvVar("CAIRN_SILENT", "silent", "bool",
           "`true`: the SDK prints nothing (no run link, progress or `cairn sync` hint); "
           "warnings still go to the `cairn` logger."),
    EnvVar("CAIRN_HANDLE_SIGTERM", "handle_sigterm", "bool",
           "`false`: `init()` installs no SIGTERM handler (by default a SIGTERM ends every open "
           "run `killed` with `meta.stop_reason` `preempted`, resumable)."),
    EnvVar("CAIRN_STOP_INTERRUPTS", "stop_interrupts", "bool",
           "`false`: a stop request from the server only sets `run.should_stop` instead of "
           "interrupting the script like Ctrl-C."),
    EnvVar("CAIRN_SWEEP_ID", "sweep_id", "text",
           "The sweep a run is a trial of (set by `cairn agent`)."),
    EnvVar("CAIRN_SWEEP_PARAMS", "sweep_params", "json",
           "The trial's parameters as a JSON object (set by `cairn agent`); they win over "
           "any other config."),
)  # fmt: skip
"""The SDK's variables, in the order the documentation lists them."""

TRUE: Final = ("1", "true", "yes", "on")
FALSE: Final = ("0", "false", "no", "off")


def render_sdk_table() -> str:
    """The SDK variables as a Markdown table."""
    lines = ["| variable | values | meaning |", "| --- | --- | --- |"]
    for var in SDK_VARIABLES:
        values = {
            "text": "text",
            "bool": "`true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`)",
            "path": "a path",
            "json": "JSON",
            "list": "comma-separated",
            "choice": " ".join(f"`{c}`" for c in var.choices),
        }[var.kind]
        lines.append(f"| `{var.name}` | {values} | {var.doc} |")
    return "\n".join(lines)
