"""What the CLI says when a command fails: one or two lines for a person, the detail in the debug log.

Nothing here prints an exception's own text for a database error: SQLAlchemy's includes the statement
and its parameters (customer names, emails), and a server's message can quote a row ("Duplicate entry
'…'"). A person gets our sentence and the masked database URL; the log gets the exception class, the
driver's error code and where it was raised, and nothing else.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from retention.errors import RetentionError

log = logging.getLogger("retention.cli")

# Exit codes, as `retention --help` and the README document them.
EXIT_OK = 0
EXIT_INPUT_OR_STATE = 1
EXIT_CONFIGURATION = 2

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 bad input or state (an invalid file, an unknown or refused model version,"
    " a database that is down or lost mid-command: fix it and retry); 2 bad configuration or usage"
    " (a wrong option, a bad RETENTION_* setting, database credentials or a database name the server"
    " refuses)."
)

# MySQL/MariaDB client and server codes (pymysql's exc.orig.args[0]).
_UNREACHABLE = {2002, 2003, 2005, 2006, 2013, 2055}
_REFUSED_LOGIN = {1044, 1045, 1049, 1698}
_NO_TABLE = {1146}
_BUSY = {1205, 1213}
_SQLITE_UNREACHABLE = {"SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_NOTADB", "SQLITE_CORRUPT"}
_SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


# What a command that fails midway leaves behind, for the one-line failure message.
_CONSEQUENCES = {
    "seed": "The import is one transaction: nothing was written.",
    "train": "No model version was recorded.",
    "score": "Customers already scored keep their new scores; run `retention score` again to finish.",
    "predict": "No output file was written.",
    "models activate": "The active model did not change.",
}


def consequence_of(argv: list[str]) -> str:
    """What the command on this command line leaves behind when it fails midway ('' when unknown)."""
    words = [arg for arg in argv[1:] if not arg.startswith("-")]
    command = " ".join(words[:2]) if words[:1] == ["models"] else " ".join(words[:1])
    return _CONSEQUENCES.get(command, "")


@dataclass(frozen=True)
class Failure:
    """What to print (one or two lines) and the exit code."""

    message: str
    exit_code: int


def valid_database_url(database_url: str) -> bool:
    """Whether SQLAlchemy can parse the URL (a port that is not a number, a bad quote… cannot)."""
    try:
        make_url(database_url)
    except (sa_exc.ArgumentError, ValueError):
        return False
    return True


def masked_url(database_url: str | None) -> str:
    """The database URL with any password replaced by ***."""
    if not database_url:
        return "the configured database"
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except (sa_exc.ArgumentError, ValueError):
        return "the configured database (RETENTION_DATABASE_URL is not a valid URL)"


def _driver_code(error: BaseException | None) -> int | str | None:
    if error is None:
        return None
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        return name
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _database_failure(exc: sa_exc.SQLAlchemyError, url: str, consequence: str) -> Failure:
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else None
    code = _driver_code(orig)
    # Matched against, never printed: the driver's text may quote row data.
    text = str(orig).lower() if orig is not None else ""
    where = f"the database at {url}"
    coded = f" (code {code})" if code is not None else ""
    tail = f" {consequence}" if consequence else ""
    if code in _REFUSED_LOGIN:
        return Failure(
            f"error (CONFIGURATION): {where} refused the login or has no such database{coded}."
            " Check the user, password and database name in RETENTION_DATABASE_URL.",
            EXIT_CONFIGURATION,
        )
    if code in _NO_TABLE or "no such table" in text:
        return Failure(
            f"error (SCHEMA): {where} lacks tables this release needs.{tail} Run `retention db upgrade`.",
            EXIT_INPUT_OR_STATE,
        )
    if code in _BUSY or code in _SQLITE_BUSY or "database is locked" in text:
        return Failure(
            f"error (BUSY): {where} is busy: another command holds a lock{coded}.{tail} Retry shortly.",
            EXIT_INPUT_OR_STATE,
        )
    if isinstance(exc, sa_exc.IntegrityError):
        return Failure(
            f"error (CONFLICT): {where} refused a write that conflicts with rows already there{coded}.{tail}"
            " Details are in the debug log (RETENTION_LOG_LEVEL=DEBUG).",
            EXIT_INPUT_OR_STATE,
        )
    lost = isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    if lost or code in _UNREACHABLE or code in _SQLITE_UNREACHABLE or isinstance(exc, sa_exc.InterfaceError):
        how = "lost the connection" if lost or code in {2006, 2013} else "is unreachable"
        return Failure(
            f"error (UNAVAILABLE): {where} {how}{coded}.{tail} Check that it is running and reachable,"
            " then retry.",
            EXIT_INPUT_OR_STATE,
        )
    return Failure(
        f"error (DATABASE): {where} failed ({type(orig or exc).__name__}{coded}).{tail}"
        " Details are in the debug log (RETENTION_LOG_LEVEL=DEBUG).",
        EXIT_INPUT_OR_STATE,
    )


def describe_failure(exc: BaseException, *, database_url: str | None, consequence: str = "") -> Failure:
    """The message and exit code for an exception that ended a command; logs its detail at debug level."""
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else None
    # Class, driver code and frames only: the message of a database error can hold row data.
    log.debug(
        "command failed: %s (driver %s, code %s) at\n%s",
        type(exc).__name__,
        type(orig).__name__ if orig is not None else "-",
        _driver_code(orig),
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    url = masked_url(database_url)
    if isinstance(exc, RetentionError):
        return Failure(f"error ({exc.code}): {exc.message}", EXIT_INPUT_OR_STATE)
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return Failure(
            "error (CONFIGURATION): RETENTION_DATABASE_URL is not a database URL this release can open.",
            EXIT_CONFIGURATION,
        )
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return _database_failure(exc, url, consequence)
    if isinstance(exc, OSError):
        what = f"{exc.filename}: " if exc.filename else ""
        tail = f" {consequence}" if consequence else ""
        return Failure(
            f"error (IO): {what}{exc.strerror or type(exc).__name__}.{tail}"
            " Check the path, its permissions and free space, then retry.",
            EXIT_INPUT_OR_STATE,
        )
    return Failure(
        f"error (INTERNAL): unexpected {type(exc).__name__}. Run again with RETENTION_LOG_LEVEL=DEBUG"
        " for where it happened, and report it.",
        EXIT_INPUT_OR_STATE,
    )
