"""Record kinds of the wire format and their validation.

A record is ``(kind, body)``: a short string and a map. It travels as the msgpack array
``[kind, body]``. Each kind's body is documented in ``docs/wire-protocol.md``; this module is the
single place that checks a body's shape, with the same rules on both sides: the SDK's writer
validates every record before it writes it to the run log (``packing.encode_record``), the server
every record before it applies it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import unquote

from cairn.errors import InvalidInputError
from cairn.wire.artifacts import LATEST, check_alias, check_artifact_name, manifest_digest

WIRE_VERSION: Final = 2
"""Version of the record and batch format the SDK writes. Every batch and run log carries it."""
SUPPORTED_WIRE_VERSIONS: Final = (1, 2)
"""Versions a server reads, forever: 2 added the ``artifact`` record."""

RUN: Final = "run"
HISTORY: Final = "history"
SYSTEM: Final = "system"
VALUES: Final = "values"
SUMMARY: Final = "summary"
CONSOLE: Final = "console"
FILE: Final = "file"
HEARTBEAT: Final = "heartbeat"
FINISH: Final = "finish"
ALERT: Final = "alert"
ARTIFACT: Final = "artifact"

KINDS_V1: Final = frozenset(
    {RUN, HISTORY, SYSTEM, VALUES, SUMMARY, CONSOLE, FILE, HEARTBEAT, FINISH}
)
KINDS: Final = KINDS_V1 | {ARTIFACT, ALERT}
"""Every kind of the newest version (a version-1 batch may carry only :data:`KINDS_V1`)."""

RUN_FIELDS: Final = frozenset(
    {
        "name",
        "config",
        "tags",
        "group",
        "job_type",
        "notes",
        "host",
        "git",
        "meta",
        "created_at",
        "resumed",
        "relative_steps",
    }
)
"""Fields a ``run`` record may set. ``config`` and ``meta`` merge key by key (a ``meta`` key sent as
null is removed); the rest replace.

``resumed: true`` marks a process continuing an existing run: the run is running again.
``relative_steps: true`` (with ``resumed``) says the writer did not know the run's last step: the
server adds the run's last step + 1, as it is when it applies this record, to every step this
stream sends from then on (design 0014).
"""

FINAL_STATES: Final = frozenset({"finished", "failed", "crashed", "killed"})

ALERT_LEVELS: Final = ("INFO", "WARN", "ERROR")
MAX_ALERT_TITLE: Final = 256
MAX_ALERT_TEXT: Final = 64 * 1024

MAX_KEY_LENGTH: Final = 256
_KEY_RE: Final = re.compile(r"^[^\x00-\x1f\x7f]+$")

Record = tuple[str, dict[str, Any]]


def check_key(key: object, what: str = "metric key") -> str:
    """Return ``key`` if it is a usable metric/summary key, else raise InvalidInputError."""
    if not isinstance(key, str) or not key:
        raise InvalidInputError(f"{what} must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(
            f"{what} {key[:40]!r}... is longer than {MAX_KEY_LENGTH} characters"
        )
    if not _KEY_RE.match(key):
        raise InvalidInputError(f"{what} {key!r} contains control characters")
    return key


def _require(body: Mapping[str, Any], field: str, types: type | tuple[type, ...], kind: str) -> Any:
    if field not in body:
        raise InvalidInputError(f"{kind} record is missing the field {field!r}")
    value = body[field]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise InvalidInputError(
            f"{kind} record field {field!r} has type {type(value).__name__}, expected "
            + " or ".join(t.__name__ for t in _as_tuple(types))
        )
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _check_time(value: object, kind: str, field: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidInputError(f"{kind} record field {field!r} must be a finite number of seconds")


def validate_record(record: object, version: int = WIRE_VERSION) -> Record:
    """Check a decoded record's shape and return it as ``(kind, body)``.

    ``version`` is the wire version of the batch or log it came in: a kind newer than it is
    refused. Raises InvalidInputError naming the problem. Column-block payloads are checked for
    their framing here; their byte lengths are checked where they are decoded.
    """
    if not isinstance(record, list | tuple) or len(record) != 2:
        raise InvalidInputError("a record must be the pair [kind, body]")
    kind, body = record
    if not isinstance(kind, str):
        raise InvalidInputError("a record's kind must be a string")
    known = KINDS_V1 if version < 2 else KINDS
    if kind not in known:
        raise InvalidInputError(
            f"unknown record kind {kind!r} in wire version {version}; known kinds: {sorted(known)}"
        )
    if not isinstance(body, dict):
        raise InvalidInputError(f"the body of a {kind} record must be a map")
    _VALIDATORS[kind](body)
    return kind, body


def claimed_kind(record: object) -> str | None:
    """The kind a raw record names, valid or not (for reporting a rejected record)."""
    if isinstance(record, list | tuple) and record and isinstance(record[0], str):
        return record[0]
    return None


def _validate_run(body: dict[str, Any]) -> None:
    unknown = set(body) - RUN_FIELDS
    if unknown:
        raise InvalidInputError(f"run record has unknown fields {sorted(unknown)}")
    for field in ("config", "git", "meta"):
        if field in body and not isinstance(body[field], dict):
            raise InvalidInputError(f"run record field {field!r} must be a map")
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            raise InvalidInputError("run record field 'tags' must be a list of non-empty strings")
    for field in ("name", "group", "job_type", "notes", "host"):
        if field in body and body[field] is not None and not isinstance(body[field], str):
            raise InvalidInputError(f"run record field {field!r} must be a string")
    if "created_at" in body:
        _check_time(body["created_at"], RUN, "created_at")
    for field in ("resumed", "relative_steps"):
        if field in body and not isinstance(body[field], bool):
            raise InvalidInputError(f"run record field {field!r} must be a boolean")
    if body.get("relative_steps") and not body.get("resumed"):
        raise InvalidInputError("run record field 'relative_steps' needs 'resumed': true")


def _validate_columns(body: dict[str, Any], kind: str, with_steps: bool) -> None:
    n = _require(body, "n", int, kind)
    if n < 0:
        raise InvalidInputError(f"{kind} record field 'n' must be >= 0")
    if with_steps:
        _require(body, "steps", bytes, kind)
    _require(body, "times", bytes, kind)
    cols = _require(body, "cols", dict, kind)
    for key, col in cols.items():
        check_key(key)
        if (
            not isinstance(col, list | tuple)
            or len(col) != 2
            or not (col[0] is None or isinstance(col[0], bytes))
            or not isinstance(col[1], bytes)
        ):
            raise InvalidInputError(
                f"{kind} record column {key!r} must be [positions bytes or nil, values bytes]"
            )


def _validate_history(body: dict[str, Any]) -> None:
    _validate_columns(body, HISTORY, with_steps=True)


def _validate_system(body: dict[str, Any]) -> None:
    _validate_columns(body, SYSTEM, with_steps=False)


def _validate_values(body: dict[str, Any]) -> None:
    step = _require(body, "step", int, VALUES)
    if step < 0:
        raise InvalidInputError("values record field 'step' must be >= 0")
    _check_time(_require(body, "time", (int, float), VALUES), VALUES, "time")
    values = _require(body, "values", dict, VALUES)
    for key in values:
        check_key(key)


def _validate_summary(body: dict[str, Any]) -> None:
    update = body.get("set", {})
    remove = body.get("remove", [])
    if not isinstance(update, dict) or not isinstance(remove, list):
        raise InvalidInputError("summary record needs 'set' (a map) and/or 'remove' (a list)")
    for key in [*update, *remove]:
        check_key(key, "summary key")


def _validate_console(body: dict[str, Any]) -> None:
    stream = _require(body, "stream", str, CONSOLE)
    if stream not in ("stdout", "stderr"):
        raise InvalidInputError("console record field 'stream' must be 'stdout' or 'stderr'")
    lines = _require(body, "lines", list, CONSOLE)
    if not all(isinstance(line, str) for line in lines):
        raise InvalidInputError("console record field 'lines' must be a list of strings")
    _check_time(_require(body, "time", (int, float), CONSOLE), CONSOLE, "time")
    line = body.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 0):
        raise InvalidInputError("console record field 'line' must be an integer >= 0")


_SHA256_RE: Final = re.compile(r"^[0-9a-f]{64}$")


def _validate_file(body: dict[str, Any]) -> None:
    path = _require(body, "path", str, FILE)
    check_file_path(path)
    sha = _require(body, "sha256", str, FILE)
    if not _SHA256_RE.match(sha):
        raise InvalidInputError("file record field 'sha256' must be 64 lowercase hex digits")
    size = _require(body, "size", int, FILE)
    if size < 0:
        raise InvalidInputError("file record field 'size' must be >= 0")


def check_file_path(path: str) -> str:
    """Return ``path`` if it is a safe relative run-file path (no escapes, no absolute paths)."""
    if not path or len(path) > 1024:
        raise InvalidInputError("a file path must have 1 to 1024 characters")
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise InvalidInputError(
            f"file path {path!r} must be relative, use '/' separators and contain no '.' or '..'"
        )
    if not _KEY_RE.match(path):
        raise InvalidInputError(f"file path {path!r} contains control characters")
    return path


def check_artifact_path(path: str) -> str:
    """Return ``path`` if it is a safe manifest path, else raise InvalidInputError.

    The rules of :func:`check_file_path`, applied also to what percent-decoding the path once
    and twice gives (``%2e%2e``, ``%252e%252e``): whatever decodes a path later cannot turn it
    into an escape.
    """
    check_file_path(path)
    once = unquote(path)
    for decoded in (once, unquote(once)):
        if decoded != path:
            try:
                check_file_path(decoded)
            except InvalidInputError:
                raise InvalidInputError(
                    f"artifact path {path!r} percent-decodes to {decoded!r}, which is not a "
                    "safe relative path; rename the file"
                ) from None
    return path


ARTIFACT_FIELDS: Final = frozenset(
    {"id", "name", "type", "description", "metadata", "aliases", "digest", "ttl_s", "time",
     "entries"}
)  # fmt: skip
_FILE_ENTRY_FIELDS: Final = frozenset({"path", "sha256", "size", "md5", "extra"})
_REF_ENTRY_FIELDS: Final = frozenset({"path", "ref", "checksum", "size", "extra"})
REF_SCHEMES: Final = ("s3://", "gs://", "file://", "https://")
_ID_RE: Final = re.compile(r"^[0-9a-f]{32}$")
MAX_TEXT: Final = 1 << 16
"""Longest artifact description, reference URI or checksum."""


def _validate_artifact(body: dict[str, Any]) -> None:
    unknown = set(body) - ARTIFACT_FIELDS
    if unknown:
        raise InvalidInputError(f"artifact record has unknown fields {sorted(unknown)}")
    if not _ID_RE.match(_require(body, "id", str, ARTIFACT)):
        raise InvalidInputError("artifact record field 'id' must be 32 lowercase hex digits")
    check_artifact_name(_require(body, "name", str, ARTIFACT))
    check_artifact_name(_require(body, "type", str, ARTIFACT), "artifact type")
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_TEXT
    ):
        raise InvalidInputError(
            f"artifact record field 'description' must be a string of at most {MAX_TEXT} characters"
        )
    if not isinstance(body.get("metadata", {}), dict):
        raise InvalidInputError("artifact record field 'metadata' must be a map")
    aliases = body.get("aliases", [])
    if not isinstance(aliases, list):
        raise InvalidInputError("artifact record field 'aliases' must be a list of strings")
    for alias in aliases:
        if alias != LATEST:  # the server keeps 'latest' on the newest version anyway
            check_alias(alias)
    ttl = body.get("ttl_s")
    if ttl is not None:
        _check_time(ttl, ARTIFACT, "ttl_s")
        if ttl <= 0:
            raise InvalidInputError("artifact record field 'ttl_s' must be > 0 seconds or nil")
    _check_time(_require(body, "time", (int, float), ARTIFACT), ARTIFACT, "time")
    entries = _require(body, "entries", list, ARTIFACT)
    seen: set[str] = set()
    for entry in entries:
        path = _check_entry(entry)
        if path in seen:
            raise InvalidInputError(f"artifact record lists the path {path!r} twice")
        seen.add(path)
    digest = _require(body, "digest", str, ARTIFACT)
    if digest != manifest_digest(entries):
        raise InvalidInputError(
            f"artifact {body['name']!r}: digest {digest[:16]}... is not the digest of its "
            "entries (cairn.artifacts.manifest.manifest_digest); recompute it"
        )


def _check_entry(entry: object) -> str:
    """Check one manifest entry; return its path."""
    if not isinstance(entry, dict):
        raise InvalidInputError("each artifact entry must be a map")
    path = entry.get("path")
    if not isinstance(path, str):
        raise InvalidInputError("each artifact entry needs a string 'path'")
    check_artifact_path(path)
    is_ref = "ref" in entry
    unknown = set(entry) - (_REF_ENTRY_FIELDS if is_ref else _FILE_ENTRY_FIELDS)
    if unknown:
        raise InvalidInputError(f"artifact entry {path!r} has unknown fields {sorted(unknown)}")
    size = entry.get("size")
    if (size is not None or not is_ref) and (
        not isinstance(size, int) or isinstance(size, bool) or size < 0
    ):
        raise InvalidInputError(f"artifact entry {path!r}: 'size' must be an integer >= 0")
    if "extra" in entry and entry["extra"] is not None and not isinstance(entry["extra"], dict):
        raise InvalidInputError(f"artifact entry {path!r}: 'extra' must be a map")
    if is_ref:
        ref, checksum = entry.get("ref"), entry.get("checksum")
        if not isinstance(ref, str) or not ref.startswith(REF_SCHEMES) or len(ref) > MAX_TEXT:
            raise InvalidInputError(
                f"artifact entry {path!r}: 'ref' must be a URI starting with one of "
                f"{', '.join(REF_SCHEMES)}"
            )
        if not isinstance(checksum, str) or not checksum or len(checksum) > MAX_TEXT:
            raise InvalidInputError(
                f"artifact entry {path!r}: a reference needs a non-empty string 'checksum'"
            )
        if not _KEY_RE.match(ref) or not _KEY_RE.match(checksum):
            raise InvalidInputError(
                f"artifact entry {path!r}: 'ref' and 'checksum' may not hold control characters"
            )
        return path
    sha = entry.get("sha256")
    if not isinstance(sha, str) or not _SHA256_RE.match(sha):
        raise InvalidInputError(
            f"artifact entry {path!r}: 'sha256' must be 64 lowercase hex digits (or give "
            "'ref' and 'checksum' for a reference)"
        )
    md5 = entry.get("md5")
    if md5 is not None and (not isinstance(md5, str) or len(md5) > 64):
        raise InvalidInputError(f"artifact entry {path!r}: 'md5' must be a short string")
    return path


def _validate_heartbeat(body: dict[str, Any]) -> None:
    _check_time(_require(body, "time", (int, float), HEARTBEAT), HEARTBEAT, "time")


def _validate_finish(body: dict[str, Any]) -> None:
    _check_time(_require(body, "time", (int, float), FINISH), FINISH, "time")
    exit_code = body.get("exit_code", 0)
    if exit_code is not None and (not isinstance(exit_code, int) or isinstance(exit_code, bool)):
        raise InvalidInputError("finish record field 'exit_code' must be an integer")
    state = body.get("state")
    if state is not None and state not in FINAL_STATES:
        raise InvalidInputError(
            f"finish record field 'state' must be one of {sorted(FINAL_STATES)}"
        )


def _validate_alert(body: dict[str, Any]) -> None:
    title = _require(body, "title", str, ALERT)
    if not title.strip() or len(title) > MAX_ALERT_TITLE:
        raise InvalidInputError(
            f"alert record field 'title' must have 1 to {MAX_ALERT_TITLE} characters"
        )
    text = _require(body, "text", str, ALERT)
    if len(text) > MAX_ALERT_TEXT:
        raise InvalidInputError(
            f"alert record field 'text' is longer than {MAX_ALERT_TEXT} characters"
        )
    if _require(body, "level", str, ALERT) not in ALERT_LEVELS:
        raise InvalidInputError(f"alert record field 'level' must be one of {list(ALERT_LEVELS)}")
    _check_time(_require(body, "time", (int, float), ALERT), ALERT, "time")
    if "wait_s" in body:
        wait = body["wait_s"]
        if not isinstance(wait, int | float) or isinstance(wait, bool) or not 0 <= wait < math.inf:
            raise InvalidInputError("alert record field 'wait_s' must be a number of seconds >= 0")
    unknown = set(body) - {"title", "text", "level", "time", "wait_s"}
    if unknown:
        raise InvalidInputError(f"alert record has unknown fields {sorted(unknown)}")


_VALIDATORS: Final = {
    RUN: _validate_run,
    HISTORY: _validate_history,
    SYSTEM: _validate_system,
    VALUES: _validate_values,
    SUMMARY: _validate_summary,
    CONSOLE: _validate_console,
    FILE: _validate_file,
    HEARTBEAT: _validate_heartbeat,
    FINISH: _validate_finish,
    ALERT: _validate_alert,
    ARTIFACT: _validate_artifact,
}


# -- building records: the one place each body is laid out (validate_record checks them) ------


def run_record(fields: Mapping[str, Any]) -> Record:
    """A ``run`` record setting ``fields`` (any of :data:`RUN_FIELDS`)."""
    return RUN, dict(fields)


def values_record(step: int, time: float, values: dict[str, Any]) -> Record:
    """A ``values`` record: non-numeric values logged at ``step``."""
    return VALUES, {"step": step, "time": time, "values": values}


def summary_record(update: dict[str, Any], remove: list[str] | None = None) -> Record:
    """A ``summary`` record setting ``update`` and removing the keys ``remove``."""
    body: dict[str, Any] = {"set": update}
    if remove:
        body["remove"] = remove
    return SUMMARY, body


def console_record(stream: str, lines: list[str], time: float, line: int | None = None) -> Record:
    """A ``console`` record: ``lines`` written to ``stream`` (stdout or stderr) at ``time``;
    with ``line``, placed from that line index on, overwriting what is there (W&B's
    ``output.log``), else appended."""
    body: dict[str, Any] = {"stream": stream, "lines": lines, "time": time}
    if line is not None:
        body["line"] = line
    return CONSOLE, body


def file_record(path: str, sha256: str, size: int) -> Record:
    """A ``file`` record: the run file ``path`` is the blob ``sha256`` of ``size`` bytes."""
    return FILE, {"path": path, "sha256": sha256, "size": size}


def finish_record(time: float, exit_code: int | None, state: str | None = None) -> Record:
    """A ``finish`` record: the run ended at ``time`` with ``exit_code`` (``state``, when
    given, says how: one of :data:`FINAL_STATES`)."""
    body: dict[str, Any] = {"time": time, "exit_code": exit_code}
    if state is not None:
        body["state"] = state
    return FINISH, body


def alert_record(title: str, text: str, level: str, time: float, wait_s: float | None) -> Record:
    """An ``alert`` record: ``run.alert()`` raised ``title`` at ``level`` (``INFO``, ``WARN``,
    ``ERROR``) at ``time``; ``wait_s`` is the least time between two alerts of that title."""
    body: dict[str, Any] = {"title": title, "text": text, "level": level, "time": time}
    if wait_s is not None:
        body["wait_s"] = wait_s
    return ALERT, body


def artifact_record(
    record_id: str,
    name: str,
    type_: str,
    entries: Sequence[Mapping[str, Any]],
    time: float,
    *,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    aliases: Sequence[str] = (),
    ttl_s: float | None = None,
) -> Record:
    """An ``artifact`` record: a version of ``name`` with ``entries``, its digest computed."""
    listed = [dict(e) for e in entries]
    return ARTIFACT, {
        "id": record_id,
        "name": name,
        "type": type_,
        "description": description,
        "metadata": dict(metadata or {}),
        "aliases": list(aliases),
        "digest": manifest_digest(listed),
        "ttl_s": ttl_s,
        "time": time,
        "entries": listed,
    }
