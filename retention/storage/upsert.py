"""One insert-or-update helper for every dialect, so no caller writes dialect SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.functions import FunctionElement

# The row an INSERT would have written (MySQL's VALUES(), SQLite's excluded), by column name.
Proposed = ReadOnlyColumnCollection[str, Any]
# Ordered (column, new value) pairs given the proposed row; columns of `table` still hold the stored row.
Assignments = Callable[[Proposed], Sequence[tuple[str, ColumnElement[Any]]]]


class exact_text(FunctionElement[Any]):
    """A text value compared byte for byte: MySQL's *_ci collations call 'José' and 'JOSE' equal."""

    inherit_cache = True


@compiles(exact_text)
def _exact_text(element: exact_text, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # SQLite compares text byte for byte already


@compiles(exact_text, "mysql")
@compiles(exact_text, "mariadb")
def _exact_text_mysql(element: exact_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"BINARY {compiler.process(element.clauses, **kw)}"


def upsert_statement(connection: Connection, table: Table, *, key: str, assignments: Assignments) -> Insert:
    """INSERT … ON DUPLICATE KEY UPDATE (MySQL) or ON CONFLICT DO UPDATE (SQLite), for executemany.

    On MySQL the assignments run left to right and each later one sees the columns already assigned,
    so an assignment that compares the stored row must come before those that overwrite it; SQLite
    evaluates every one against the stored row.
    """
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        return on_duplicate_key(mysql.insert(table), assignments)
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(index_elements=[key], set_=dict(assignments(lite.excluded)))
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


def on_duplicate_key(statement: mysql.Insert, assignments: Assignments) -> mysql.Insert:
    """A MySQL INSERT (VALUES or SELECT) made an upsert, its assignments kept in the order given."""
    return statement.on_duplicate_key_update(list(assignments(statement.inserted)))
