"""Schema migrations with Alembic, run on start; a newer-than-known schema refuses to start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from cairn.errors import SchemaVersionError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for Cairn's migrations, bound to ``engine`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this Cairn knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema; refuse one newer than this Cairn."""
    current = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config())
    if current is not None and not _known(script, current):
        raise SchemaVersionError(
            f"the database schema is at revision {current!r}, newer than this Cairn knows "
            f"(newest known: {script.get_current_head()!r}); upgrade Cairn "
            '(pip install -U "cairn-ml[server]") or point it at another database'
        )
    if current == script.get_current_head():
        return
    command.upgrade(alembic_config(engine), "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several types for an unknown revision id
        return False
