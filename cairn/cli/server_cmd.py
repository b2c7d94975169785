"""``cairn server``: run the platform (SQLite + local directory by default)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cairn.errors import CairnError, InvalidInputError


def register(commands: Any) -> None:
    """Add the ``server`` subcommand."""
    parser = commands.add_parser(
        "server",
        help="run the Cairn server",
        description="Run the Cairn server. Options also come from CAIRN_SERVER_* variables.",
    )
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8080)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default ~/.cairn)")
    parser.add_argument(
        "--db", dest="db_url", help="database URL (default sqlite in the data dir), e.g. "
        "postgresql+psycopg://user@host/db"
    )
    parser.add_argument(
        "--blobs", dest="blobs_url", help="blob store: a directory or s3://bucket/prefix"
    )
    parser.add_argument("--s3-endpoint-url", help="endpoint of an S3-compatible store")
    parser.add_argument("--public-url", help="URL people use to reach this server (for links)")
    parser.add_argument(
        "--heartbeat-timeout", dest="heartbeat_timeout_s", type=float,
        help="seconds without a heartbeat before a run is marked crashed (default 300)",
    )
    parser.add_argument("--workers", type=int, help="uvicorn worker processes (default 1)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(handler=run_server)


def run_server(args: argparse.Namespace) -> int:
    """Start uvicorn with the app built from arguments over environment."""
    try:
        import uvicorn

        from cairn.server.settings import settings_from_env
    except ImportError as exc:
        raise CairnError(
            f"the server needs its extra dependencies ({exc.name} is missing): "
            'pip install "cairn-ml[server]"'
        ) from None
    settings = settings_from_env().with_overrides(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        db_url=args.db_url,
        blobs_url=args.blobs_url,
        s3_endpoint_url=args.s3_endpoint_url,
        public_url=args.public_url,
        heartbeat_timeout_s=args.heartbeat_timeout_s,
        workers=args.workers,
        log_level=args.log_level,
    )
    if not settings.is_loopback:
        raise InvalidInputError(
            f"refusing to listen on {settings.host}: authentication for non-loopback servers "
            "is not available in this version; bind to 127.0.0.1 and put a reverse proxy with "
            "authentication in front (docs/deployment.md)"
        )
    from cairn.server.app import open_context

    # Migrate (or refuse a newer schema) before binding, so errors come out plainly.
    open_context(settings).engine.dispose()
    print(f"Cairn server on {settings.base_url}  (data: {settings.database_url})", flush=True)
    if settings.workers > 1:
        import os

        from cairn.server.settings import export_env

        os.environ.update(export_env(settings))
        uvicorn.run(
            "cairn.server.asgi:app",
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
        )
    else:
        from cairn.server.app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    return 0
