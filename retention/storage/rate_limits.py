"""Per-caller request counts by minute, one row per caller and minute, incremented in the database."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import mysql, sqlite

from retention.storage.tables import rate_limit_windows as windows


def take(connection: Connection, caller: str, minute: int, amount: int = 1) -> int:
    """Count `amount` requests of `caller` in `minute`, in one statement; returns the minute's count."""
    values = {"caller": caller, "window_start": minute, "used": amount}
    if connection.dialect.name == "sqlite":
        lite = sqlite.insert(windows).values(values)
        counted = lite.on_conflict_do_update(
            index_elements=["caller", "window_start"], set_={"used": windows.c.used + amount}
        ).returning(windows.c.used)
        return int(connection.execute(counted).scalar_one())
    # LAST_INSERT_ID(expr) hands the updated count back in the statement's own answer (no second read).
    bumped = func.last_insert_id(windows.c.used + amount)
    statement = mysql.insert(windows).values(values).on_duplicate_key_update(used=bumped)
    new_count = connection.execute(statement).lastrowid
    return int(new_count) if new_count else amount  # 0: the row was new, and holds `amount`


def count_in(connection: Connection, caller: str, minute: int) -> int:
    """`caller`'s count in `minute` (0 when it made no request then)."""
    used = connection.execute(
        select(windows.c.used).where(windows.c.caller == caller, windows.c.window_start == minute)
    ).scalar()
    return int(used or 0)


def give_back(connection: Connection, caller: str, minute: int, amount: int = 1) -> None:
    """Uncount requests that were refused, so refusals do not use up the allowance."""
    connection.execute(
        update(windows)
        .where(windows.c.caller == caller, windows.c.window_start == minute, windows.c.used >= amount)
        .values(used=windows.c.used - amount)
    )


def forget_before(connection: Connection, minute: int) -> None:
    """Drop the counts of minutes before `minute`: the limit never reads them again."""
    connection.execute(delete(windows).where(windows.c.window_start < minute))
