"""Per-caller request counts by minute, one row per caller and minute, incremented in the database."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.sql.dml import Insert

from retention.storage.tables import rate_limit_windows as windows


def take(connection: Connection, caller: str, minute: int) -> tuple[int, int]:
    """Count one request of `caller` in `minute`; returns (this minute's count, the minute before's)."""
    values = {"caller": caller, "window_start": minute, "used": 1}
    statement: Insert
    if connection.dialect.name == "sqlite":
        lite = sqlite.insert(windows).values(values)
        statement = lite.on_conflict_do_update(
            index_elements=["caller", "window_start"], set_={"used": windows.c.used + 1}
        )
    else:
        statement = mysql.insert(windows).values(values).on_duplicate_key_update(used=windows.c.used + 1)
    connection.execute(statement)
    counts = dict(
        connection.execute(
            select(windows.c.window_start, windows.c.used).where(
                windows.c.caller == caller, windows.c.window_start.in_((minute - 1, minute))
            )
        ).all()
    )
    return int(counts.get(minute, 0)), int(counts.get(minute - 1, 0))


def give_back(connection: Connection, caller: str, minute: int) -> None:
    """Uncount a request that was refused, so refusals do not use up the allowance."""
    connection.execute(
        update(windows)
        .where(windows.c.caller == caller, windows.c.window_start == minute, windows.c.used > 0)
        .values(used=windows.c.used - 1)
    )


def forget_before(connection: Connection, minute: int) -> None:
    """Drop the counts of minutes before `minute`: the limit never reads them again."""
    connection.execute(delete(windows).where(windows.c.window_start < minute))
