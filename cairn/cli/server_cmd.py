"""``cairn server``: run the platform (SQLite + local directory by default); ``create-admin``,
``reset-password`` and ``gc`` work on its database directly."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from cairn.errors import CairnError, InvalidInputError


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="data directory (default ~/.cairn)")
    parser.add_argument(
        "--db",
        dest="db_url",
        help="database URL (default sqlite in the data dir), e.g. postgresql+psycopg://user@host/db",
    )


def register(commands: Any) -> None:
    """Add the ``server`` subcommand and its ``create-admin`` subcommand."""
    parser = commands.add_parser(
        "server",
        help="run the Cairn server",
        description="Run the Cairn server. Options also come from CAIRN_SERVER_* variables.",
    )
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8080)")
    _add_store_options(parser)
    parser.add_argument(
        "--blobs", dest="blobs_url", help="blob store: a directory or s3://bucket/prefix"
    )
    parser.add_argument("--s3-endpoint-url", help="endpoint of an S3-compatible store")
    parser.add_argument("--public-url", help="URL people use to reach this server (for links)")
    parser.add_argument(
        "--heartbeat-timeout",
        dest="heartbeat_timeout_s",
        type=float,
        help="seconds without a heartbeat before a run is marked crashed (default 300)",
    )
    parser.add_argument(
        "--auth",
        choices=["auto", "open", "required"],
        help="login: auto (default) = open on loopback, required elsewhere",
    )
    parser.add_argument(
        "--workers", type=int, help="worker processes (default: one per core, up to 4)"
    )
    parser.add_argument(
        "--max-ingest",
        dest="max_ingest_in_progress",
        type=int,
        help="batches one process applies at once; more are answered 429 (default 32)",
    )
    parser.add_argument(
        "--series-cache-mb",
        dest="series_cache_mb",
        type=int,
        help="memory per process for computed chart windows (default 256; 0 = off)",
    )
    parser.add_argument(
        "--gc-interval",
        dest="gc_interval_s",
        type=float,
        help="seconds between collections of unreferenced blobs (default 3600)",
    )
    parser.add_argument(
        "--gc-grace",
        dest="gc_grace_s",
        type=float,
        help="keep unreferenced blobs this many seconds after their last upload (default 3600)",
    )
    parser.add_argument(
        "--upload-part-mb",
        dest="upload_part_mb",
        type=int,
        help="blobs above this many MiB are uploaded in parts of this size; keep it under a "
        "proxy's body limit (default 64)",
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="debug, info (default), warning or error",
    )
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        help="text (default) or json: one JSON object per line on stderr, one line per request",
    )
    parser.add_argument(
        "--metrics-token",
        help="bearer token for /metrics when login is required (prefer CAIRN_SERVER_METRICS_TOKEN)",
    )
    parser.set_defaults(handler=run_server)
    sub = parser.add_subparsers(dest="server_command", metavar="SUBCOMMAND")
    admin = sub.add_parser("create-admin", help="create an admin user (password from a prompt)")
    admin.add_argument("--username", required=True)
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_store_options(admin)
    admin.set_defaults(handler=create_admin)
    reset = sub.add_parser(
        "reset-password",
        help="set a user's password on the database directly (a locked-out admin)",
        description="Set USER's password in the configured database, end their sessions and "
        "clear their sign-in lock. Works with the server stopped or running; needs no login.",
    )
    reset.add_argument("username", metavar="USER")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_store_options(reset)
    reset.set_defaults(handler=reset_password)
    gc = sub.add_parser(
        "gc",
        help="remove blobs nothing references now (deleted runs' files)",
        description="Remove blobs that no run references and that nobody uploaded or checked "
        "in the last --grace seconds. Safe while the server runs; --grace 0 only when no client "
        "is uploading (see docs/server.md).",
    )
    gc.add_argument(
        "--grace",
        dest="gc_grace_s",
        type=float,
        default=3600.0,
        help="seconds since a blob's last upload or check before it may go (default 3600)",
    )
    _add_store_options(gc)
    gc.add_argument(
        "--blobs", dest="blobs_url", help="blob store: a directory or s3://bucket/prefix"
    )
    gc.add_argument("--s3-endpoint-url", help="endpoint of an S3-compatible store")
    gc.set_defaults(handler=collect_garbage)


def _settings(args: argparse.Namespace) -> Any:
    try:
        from cairn.server.settings import settings_from_env
    except ImportError as exc:
        raise CairnError(
            f"the server needs its extra dependencies ({exc.name} is missing): "
            'pip install "cairn-ml[server]"'
        ) from None
    fields = (
        "host", "port", "data_dir", "db_url", "blobs_url", "s3_endpoint_url", "public_url",
        "heartbeat_timeout_s", "workers", "series_cache_mb", "log_level", "log_format",
        "metrics_token", "auth", "gc_interval_s", "gc_grace_s", "max_ingest_in_progress",
        "upload_part_mb",
    )  # fmt: skip
    return settings_from_env().with_overrides(**{f: getattr(args, f, None) for f in fields})


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Again: "):
        raise InvalidInputError("the passwords differ")
    return password


def create_admin(args: argparse.Namespace) -> int:
    """Create an admin user in the configured database."""
    settings = _settings(args)
    password = _read_password(args.password_stdin)
    from cairn.server.store.sql.store import open_metadata_store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    meta = open_metadata_store(settings.database_url)
    try:
        meta.create_user(args.username, password, is_admin=True)
    finally:
        meta.close()
    print(f"created admin {args.username!r}")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    """Set a user's password in the configured database (no server, no login needed)."""
    settings = _settings(args)
    password = _read_password(args.password_stdin)
    from cairn.server.store.sql.store import open_metadata_store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    meta = open_metadata_store(settings.database_url)
    try:
        meta.reset_password(args.username, password, must_change=False)
        user = next(u for u in meta.list_users() if u.username == args.username)
    finally:
        meta.close()
    print(f"set the password of {args.username!r}; their sessions ended, sign-in lock cleared")
    if user.disabled:
        print(f"note: {args.username!r} is disabled; an admin can enable them on the Admin page")
    return 0


def collect_garbage(args: argparse.Namespace) -> int:
    """Run one blob collection against the configured database and blob store."""
    from cairn.server.app import open_context
    from cairn.server.housekeeping import collect_garbage as collect
    from cairn.server.housekeeping import drop_expired_uploads

    settings = _settings(args)
    if settings.gc_grace_s < 0:
        raise InvalidInputError("--grace must be >= 0 seconds")
    # binds nothing and serves no one: no admin check, whatever the server's host and auth
    ctx = open_context(settings.with_overrides(auth="open", host="127.0.0.1"))
    try:
        result = collect(ctx, settings.gc_grace_s)
        drop_expired_uploads(ctx, settings.gc_grace_s)
    finally:
        ctx.meta.close()
    print(f"removed {result.blobs} unreferenced blobs ({_size(result.bytes)})")
    return 0


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


# Sweep strategies fit Gaussian processes with numpy's BLAS inside the hand-out transaction. A
# threaded BLAS in each of the server's workers oversubscribes the cores: a suggestion took 10-20x
# longer under load (bench/bench_sweeps.py). The server parallelises by request, not inside one.
_BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread() -> None:
    """One BLAS thread per server process unless the operator set one (before numpy loads)."""
    for name in _BLAS_THREAD_VARS:
        os.environ.setdefault(name, "1")


def run_server(args: argparse.Namespace) -> int:
    """Start uvicorn with the app built from arguments over environment."""
    import logging
    import logging.config

    _one_blas_thread()

    import uvicorn

    settings = _settings(args)
    from cairn.server.app import create_app, open_context
    from cairn.server.observability.logging import logging_config
    from cairn.server.observability.multiproc import ENV_VAR, prepare_dir
    from cairn.server.settings import export_env

    log_config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(log_config)
    logging.captureWarnings(True)  # warnings become log lines (JSON ones in json mode)
    # Migrate and check the admin before binding, so errors come out plainly.
    open_context(settings).meta.close()
    login = "open (loopback)" if settings.auth_open else "login required"
    banner = f"Cairn server on {settings.base_url}  (data: {settings.database_url}; {login})"
    if settings.log_format == "json":
        logging.getLogger("cairn.server").info(banner)
    else:
        print(banner, flush=True)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": log_config,
        "access_log": False,
    }
    if settings.workers > 1:
        os.environ.update(export_env(settings))
        # Workers are fresh interpreters: they read this before importing prometheus_client.
        metrics_dir = prepare_dir(settings.data_dir)
        os.environ[ENV_VAR] = str(metrics_dir)
        try:
            uvicorn.run("cairn.server.asgi:app", workers=settings.workers, **common)
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    else:
        uvicorn.run(create_app(settings), **common)
    return 0
