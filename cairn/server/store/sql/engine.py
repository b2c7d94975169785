"""Engines for the metadata database: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from cairn.errors import InvalidInputError
from cairn.server.query import textmatch


def open_engine(url: str, *, pool_size: int = 10, busy_timeout_s: float = 30.0) -> Engine:
    """Create an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    SQLite runs in WAL mode with foreign keys on and a busy timeout, so several server threads
    and processes share one file; writers take the lock at ``BEGIN`` (``BEGIN IMMEDIATE``) so a
    read-then-write transaction never fails half-way on a lock upgrade.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect = {"check_same_thread": False, "timeout": busy_timeout_s}
        engine = create_engine(url, connect_args=connect)
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", ""):
            raise InvalidInputError("use the psycopg 3 driver: postgresql+psycopg://user@host/db")
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    raise InvalidInputError(
        f"unsupported database URL {parsed.render_as_string()!r}: use sqlite:///PATH or "
        "postgresql+psycopg://USER@HOST/DB"
    )


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        # A 64 MiB page cache per connection keeps block summaries of hot series in memory
        # (16 MiB made 1M-point coarse reads 4x slower); it bounds the server's RSS growth.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()
        # `x REGEXP p` and $regex/$options "i" of the runs filter (PostgreSQL has ~ and ~*).
        dbapi_conn.create_function("regexp", 2, textmatch.regexp, deterministic=True)
        dbapi_conn.create_function("cairn_iregexp", 2, textmatch.iregexp, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers (see read_only) take no lock; writers take the write lock up front.
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "cairn_read_only"


def read_only(engine: Engine) -> Engine:
    """A view of ``engine`` for transactions that only read.

    On SQLite they begin deferred instead of taking the write lock, so reads never wait for,
    or hold up, ingest. Same pool and connections; on PostgreSQL nothing changes.
    """
    return engine.execution_options(**{_READ_ONLY: True})


def is_postgres(engine: Engine) -> bool:
    """Whether the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"
