"""The server's settings: one typed object built once from arguments and environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError

ENV_PREFIX = "CAIRN_SERVER_"
LOG_FORMATS = ("text", "json")
MIN_TOKEN_CHARS = 16


def default_workers() -> int:
    """One worker process per core, up to four (each keeps its own chart-window cache)."""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the server needs to start; passed down, never read from the environment later."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=lambda: Path.home() / ".cairn")
    db_url: str | None = None
    blobs_url: str | None = None
    s3_endpoint_url: str | None = None
    public_url: str | None = None
    heartbeat_timeout_s: float = 300.0
    housekeeping_interval_s: float = 15.0
    gc_interval_s: float = 3600.0
    gc_grace_s: float = 3600.0
    max_body_bytes: int = 32 * 1024 * 1024
    upload_part_mb: int = 64
    """Blobs larger than this go up in parts of this size (``POST /api/v1/uploads``), so no
    request body exceeds it (a proxy's body limit must be above it); at least 1."""
    blob_batches: bool = True
    """Serve the blob batch routes (design 0017); off, the server answers them as one from
    before them did (404/405), and clients send blobs one per request."""
    max_ingest_in_progress: int = 32
    workers: int = field(default_factory=default_workers)
    series_cache_mb: int = 256
    """Memory for computed chart windows per server process (0 turns the cache off)."""
    table_cache_mb: int = 2048
    """Disk for logged tables' columnar copies under ``<data_dir>/cache/tables`` (least recently
    read go first; 0 keeps none on disk)."""
    table_prebuild_queue: int = 64
    """How many ingested table values may wait for their columnar copy to be built in the
    background (beyond it they are built on first read); 0 turns ingest-time builds off."""
    table_partial_min_bytes: int = 8 * 2**20
    """A table file at least this big whose columnar copy is not built yet answers a query for
    its first rows (no filter, sort or group) from the file's beginning, marked partial, while
    the copy is built in the background; smaller files build in well under a second."""
    log_level: str = "info"
    log_format: str = "text"
    """``text`` or ``json`` (one JSON object per line on stderr)."""
    metrics_token: str | None = field(default=None, repr=False)
    """A bearer token that may read ``/metrics`` when login is required (admins may too)."""
    auth: str = "auto"
    """``open`` (no login), ``required``, or ``auto``: open on loopback, required elsewhere."""
    admin_username: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    """An admin created on first start when none exists (from env, for unattended set-ups)."""
    secret_key_file: Path | None = None
    """The Fernet key that encrypts automation secrets; default ``<data_dir>/secret.key``,
    made on the first start (mode 0600). Servers sharing a database need the same key."""
    allow_private_webhooks: bool = False
    """Let automations call loopback, private and link-local addresses (off: SSRF guard)."""
    webhook_backoff_s: str = "10,30,90,270"
    """Seconds before each retry of a failed delivery; one attempt more than listed."""
    webhook_timeout_s: float = 10.0
    webhook_poll_s: float = 2.0
    """How often the delivery worker looks for due deliveries."""

    def __post_init__(self) -> None:
        if self.max_ingest_in_progress < 1:
            raise InvalidInputError("--max-ingest must be at least 1")
        if self.upload_part_mb < 1:
            raise InvalidInputError("--upload-part-mb must be at least 1")
        if self.workers < 1:
            raise InvalidInputError("--workers must be at least 1")
        if self.log_format not in LOG_FORMATS:
            raise InvalidInputError(
                f"log format must be one of {LOG_FORMATS}, not {self.log_format!r}"
            )
        self.webhook_backoff  # noqa: B018 (parsed here so a bad list fails at start)
        if self.webhook_timeout_s <= 0 or self.webhook_poll_s <= 0:
            raise InvalidInputError("webhook timeout and poll interval must be > 0 seconds")
        if self.metrics_token is not None and len(self.metrics_token) < MIN_TOKEN_CHARS:
            raise InvalidInputError(
                f"the metrics token must have at least {MIN_TOKEN_CHARS} characters; make one "
                'with `python -c "import secrets; print(secrets.token_urlsafe(32))"`'
            )

    @property
    def webhook_backoff(self) -> tuple[float, ...]:
        """The retry delays of a failed delivery, in seconds."""
        try:
            delays = tuple(float(d) for d in self.webhook_backoff_s.split(",") if d.strip())
        except ValueError:
            delays = (-1.0,)
        if any(not d >= 0 for d in delays) or len(delays) > 20:
            raise InvalidInputError(
                f"webhook backoff {self.webhook_backoff_s!r} must be up to 20 comma-separated "
                "seconds >= 0, e.g. 10,30,90,270"
            )
        return delays

    @property
    def secret_key_path(self) -> Path:
        """Where the automation secrets' key is."""
        return self.secret_key_file or self.data_dir / "secret.key"

    @property
    def database_url(self) -> str:
        """The metadata database URL (SQLite file in the data dir by default)."""
        return self.db_url or f"sqlite:///{self.data_dir / 'cairn.db'}"

    @property
    def is_loopback(self) -> bool:
        """Whether the server only listens on the loopback interface."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def auth_open(self) -> bool:
        """Whether requests need no credentials (one implicit local user)."""
        if self.auth not in ("auto", "open", "required"):
            raise InvalidInputError("auth must be auto, open or required")
        if self.auth == "open" and not self.is_loopback:
            raise InvalidInputError(
                f"auth 'open' is only allowed on loopback, not on {self.host}: use auth 'auto'"
            )
        return self.auth == "open" or (self.auth == "auto" and self.is_loopback)

    @property
    def base_url(self) -> str:
        """The URL people and the SDK use to reach the server."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def with_overrides(self, **changes: Any) -> ServerSettings:
        """A copy with the given fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _flag(raw: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case)."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


_flag.__name__ = "flag (true/false)"

_ENV_FIELDS: dict[str, Callable[[str], Any]] = {
    "host": str,
    "port": int,
    "data_dir": Path,
    "db_url": str,
    "blobs_url": str,
    "s3_endpoint_url": str,
    "public_url": str,
    "heartbeat_timeout_s": float,
    "housekeeping_interval_s": float,
    "gc_interval_s": float,
    "gc_grace_s": float,
    "max_body_bytes": int,
    "upload_part_mb": int,
    "blob_batches": _flag,
    "max_ingest_in_progress": int,
    "workers": int,
    "series_cache_mb": int,
    "table_cache_mb": int,
    "table_prebuild_queue": int,
    "table_partial_min_bytes": int,
    "log_level": str,
    "log_format": str,
    "metrics_token": str,
    "auth": str,
    "admin_username": str,
    "admin_password": str,
    "secret_key_file": Path,
    "allow_private_webhooks": _flag,
    "webhook_backoff_s": str,
    "webhook_timeout_s": float,
    "webhook_poll_s": float,
}

ENV_ONLY_HELP = {
    "housekeeping_interval_s": "seconds between housekeeping passes (default 15)",
    "max_body_bytes": "largest request body accepted (default 33554432, 32 MiB)",
    "table_cache_mb": "disk for logged tables' columnar copies (default 2048; 0 = none)",
    "table_prebuild_queue": "tables that may wait for a background columnar build "
    "(default 64; 0 = build on first read)",
    "table_partial_min_bytes": "tables at least this big answer a first page before their "
    "columnar copy is built (default 8388608)",
    "blob_batches": "`false`: no blob batch routes (clients then send and fetch small blobs "
    "one per request, as with a server from before them; default true)",
    "admin_username": "with CAIRN_SERVER_ADMIN_PASSWORD: the admin user created on the first start",
    "admin_password": "the password of CAIRN_SERVER_ADMIN_USERNAME",
    "webhook_backoff_s": "seconds before each retry of a failed automation delivery "
    "(default 10,30,90,270: five attempts)",
    "webhook_timeout_s": "seconds an automation's webhook may take to answer (default 10)",
    "webhook_poll_s": "seconds between looks for due automation deliveries (default 2)",
}
"""What the variables without a ``cairn server`` option set (the rest: the option's help)."""


def env_variables() -> dict[str, str]:
    """Every ``CAIRN_SERVER_*`` variable and the settings field it sets."""
    return {ENV_PREFIX + name.upper(): name for name in _ENV_FIELDS}


def settings_from_env(environ: Mapping[str, str] | None = None) -> ServerSettings:
    """Settings from ``CAIRN_SERVER_*`` variables (``CAIRN_SERVER_PORT=9000``...)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, kind in _ENV_FIELDS.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[name] = kind(raw)
        except ValueError:
            raise InvalidInputError(
                f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}"
            ) from None
    return ServerSettings().with_overrides(**values)


def export_env(settings: ServerSettings) -> dict[str, str]:
    """``CAIRN_SERVER_*`` variables that rebuild ``settings`` (for worker processes)."""
    out: dict[str, str] = {}
    for name in _ENV_FIELDS:
        value = getattr(settings, name)
        if value is not None:
            out[ENV_PREFIX + name.upper()] = str(value)
    return out
