"""Log output: text or one JSON object per line on stderr, and the one line per request."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

ACCESS_LOGGER = "cairn.access"
FIELDS_ATTR = "cairn_fields"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_PATH_CHARS = 1000

access_log = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": _utc_iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS_ATTR, None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        # ASCII only: every line splitter (even one that breaks on U+2028) sees one line.
        return json.dumps(out, default=str, ensure_ascii=True)


class TextFormatter(logging.Formatter):
    """``2026-01-02T03:04:05.678Z INFO cairn.access: message``, control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc_iso(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _utc_iso(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server and uvicorn (whose access log is off)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"cairn": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "cairn",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            # The middleware writes the one line per request (with route, id and user).
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Statement-level chatter even at --log-level debug: use their own flags for that.
            "alembic": {"level": "WARNING"},
            "sqlalchemy": {"level": "WARNING"},
        },
    }


_CAPABILITY = re.compile(r"^(/wandb-files/|/wandb-artifacts/)[^/?]+")
"""Paths that are capabilities (whoever holds one may use it): never written to a log."""


def log_request(
    *,
    method: str,
    route: str,
    path: str,
    status: int,
    duration_ms: float,
    request_id: str,
    client: str | None,
    user: str | None,
) -> None:
    """Write the line of one answered request."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    path = _CAPABILITY.sub(r"\1…", path[:_MAX_PATH_CHARS])
    fields = {
        "method": method,
        "route": route,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 3),
        "request_id": request_id,
        "client": client,
        "user": user,
    }
    access_log.info(
        "%s %s %d %.1fms id=%s client=%s user=%s route=%s",
        method, path, status, duration_ms, request_id, client or "-", user or "-", route,
        extra={FIELDS_ATTR: fields},
    )  # fmt: skip
