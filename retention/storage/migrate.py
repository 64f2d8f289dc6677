"""Schema migrations (Alembic), driven from Python so the CLI and tests share one path."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (the latest by default)."""
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return revision_on(connection)


def revision_on(connection: Connection) -> str | None:
    """The revision the database behind `connection` is at, or None for an empty database.

    Read from Alembic's table directly: a MigrationContext logs two INFO lines each time, and readiness
    probes ask every few seconds.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


@functools.cache
def head_revision() -> str | None:
    """The newest revision this code ships (read from the migration files once: probes ask for it)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_problem(at: str | None, *, fix: str = "run `retention db upgrade`") -> str | None:
    """What is wrong with a database at revision `at` for this code, with what to do (`fix` for a schema
    behind the code); None when it is current."""
    head = head_revision()
    if at == head:
        return None
    if at is not None and not is_known_revision(at):
        return f"the database is at schema revision {at}, newer than this code knows: upgrade Retention"
    return f"the database schema is at revision {at or 'none (empty)'} but this code needs {head}: {fix}"


def is_up_to_date(engine: Engine) -> bool:
    """True when the database schema matches this code's migrations."""
    return current_revision(engine) == head_revision()


def is_known_revision(revision: str) -> bool:
    """Whether this code ships `revision` (a database migrated by newer code is at one it does not)."""
    return any(script.revision == revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions())
