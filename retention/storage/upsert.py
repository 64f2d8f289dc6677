"""One insert-or-update helper for every dialect, so no caller writes dialect SQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.sql.dml import Insert


def upsert_statement(
    connection: Connection, table: Table, *, key: str, update_columns: Sequence[str]
) -> Insert:
    """INSERT … ON DUPLICATE KEY UPDATE (MySQL) or ON CONFLICT DO UPDATE (SQLite), for executemany."""
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        stmt = mysql.insert(table)
        return stmt.on_duplicate_key_update({name: stmt.inserted[name] for name in update_columns})
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=[key], set_={name: lite.excluded[name] for name in update_columns}
        )
    raise NotImplementedError(f"no upsert for the {dialect} dialect")
