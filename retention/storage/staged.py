"""Bulk upsert of customers on MySQL/MariaDB: a file this process wrote, loaded by the server.

`LOAD DATA LOCAL INFILE` of a tab-separated file into a temporary table, then one
`INSERT … SELECT … ON DUPLICATE KEY UPDATE` into customers (with the same assignments as every other
upsert, `profile_assignments`), is ~4x faster than executemany: the server parses the rows itself and
the driver escapes nothing. Into an empty customers table (a first import) the file is loaded straight
into it, which halves the server's work. The rows must be valid already (the importer checks each first).

LOCAL INFILE lets the server ask the client for a file, so it is off on every pooled connection
(`make_engine`) and on only for the connection `local_infile_engine` makes, which runs just these
statements, naming a file in a private temporary folder that this process wrote.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from sqlalchemy import Column, Connection, MetaData, Table, literal, select
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable, DropTable

from retention.records import Value
from retention.storage.changes import note_change
from retention.storage.customers import PROFILE_NAMES, naive_utc, profile_assignments
from retention.storage.tables import customers
from retention.storage.upsert import on_duplicate_key

logger = logging.getLogger(__name__)

STAGED_COLUMNS: tuple[str, ...] = ("customer_id", *PROFILE_NAMES)
# Server error numbers for "LOAD DATA LOCAL is not allowed" (MySQL 1148 and 3948, MariaDB 4166), and for
# a user without the CREATE TEMPORARY TABLES privilege (1044, 1142): executemany needs neither.
LOCAL_INFILE_REFUSED = frozenset({1148, 3948, 4166})
NO_TEMPORARY_TABLES = frozenset({1044, 1142})

_staging = Table(
    "customers_staging",
    MetaData(),
    *(Column(name, customers.c[name].type, nullable=True) for name in STAGED_COLUMNS),
    prefixes=["TEMPORARY"],
    mysql_charset="utf8mb4",
)
_NULLABLE = frozenset(name for name in STAGED_COLUMNS if customers.c[name].nullable)


class _LoadDataDialect(csv.Dialect):
    """LOAD DATA's default text format: tab-separated, a backslash before every tab, newline or backslash.

    An empty field is an absent optional value: the importer never keeps an empty string (a blank optional
    field is None), so the load turns '' into NULL for the nullable columns (`_load_statement`).
    """

    delimiter = "\t"
    quotechar = None
    escapechar = "\\"
    doublequote = False
    quoting = csv.QUOTE_NONE
    lineterminator = "\n"
    skipinitialspace = False
    strict = True


class LocalInfileRefused(Exception):
    """The server (or its settings) refuses LOAD DATA LOCAL INFILE; use executemany instead."""


def local_infile_allowed(connection: Connection) -> bool:
    """Whether this MySQL/MariaDB server accepts LOAD DATA LOCAL INFILE (its `local_infile` setting)."""
    return bool(connection.exec_driver_sql("SELECT @@local_infile").scalar_one())


def write_rows(out: TextIO, rows: Iterable[Mapping[str, Value]]) -> None:
    """Rows (every STAGED_COLUMNS value as the importer typed it) as lines LOAD DATA reads back exactly.

    Floats are written by repr, the shortest text that reads back as the same double.
    """
    writer = csv.writer(out, dialect=_LoadDataDialect)
    writer.writerows(map(itemgetter(*STAGED_COLUMNS), rows))


def _load_statement(table: str, *, stamped: bool) -> str:
    targets = [f"@{name}" if name in _NULLABLE else name for name in STAGED_COLUMNS]
    sets = [f"{name} = NULLIF(@{name}, '')" for name in STAGED_COLUMNS if name in _NULLABLE]
    if stamped:  # straight into customers: the file has no timestamps
        sets += ["created_at = %(stamp)s", "updated_at = %(stamp)s"]
    return (
        f"LOAD DATA LOCAL INFILE %(path)s INTO TABLE {table} CHARACTER SET utf8mb4 "
        "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
        f"({', '.join(targets)})" + (f" SET {', '.join(sets)}" if sets else "")
    )


def _load(connection: Connection, statement: str, parameters: dict[str, object], *, rows: int) -> None:
    try:
        result = connection.exec_driver_sql(statement, parameters)
    except DBAPIError as exc:
        if _errno(exc) in LOCAL_INFILE_REFUSED:
            raise LocalInfileRefused(str(exc.orig)) from exc
        raise
    # With LOCAL the server turns bad data and duplicate keys into warnings, not errors: refuse any.
    warnings = connection.exec_driver_sql("SHOW WARNINGS LIMIT 3").all()
    if result.rowcount != rows or warnings:
        raise RuntimeError(
            f"the server loaded {result.rowcount:,} of {rows:,} rows"
            + (f" with warnings: {[tuple(w) for w in warnings]}" if warnings else "")
        )


def _errno(exc: DBAPIError) -> object:
    args = getattr(exc.orig, "args", ())
    return args[0] if args else None


def _lock_if_empty(connection: Connection) -> bool:
    # On an empty table this next-key-locks the end of the primary key, so no other insert can land
    # before commit; a row that did anyway would be a duplicate-key warning, refused by _load.
    found = connection.execute(select(customers.c.id).limit(1).with_for_update()).first()
    return found is None


def load_staged(connection: Connection, path: Path, *, rows: int, now: datetime) -> None:
    """Upserts the `rows` lines of `path` into customers; call inside the caller's transaction.

    Into an empty table the file is loaded straight into customers; otherwise through the staging table.

    Raises LocalInfileRefused when the server will not take the file (nothing is written then), and
    RuntimeError when it took a different number of rows or warned (so the caller rolls back).
    """
    stamp = naive_utc(now)
    started = time.perf_counter()
    if _lock_if_empty(connection):  # nothing to update: no staging table needed
        statement = _load_statement(customers.name, stamped=True)
        _load(connection, statement, {"path": str(path), "stamp": stamp}, rows=rows)
        logger.info(
            "LOAD DATA of %d rows into the empty customers table in %.1f s",
            rows,
            time.perf_counter() - started,
        )
        return
    try:
        connection.execute(DropTable(_staging, if_exists=True))
        connection.execute(CreateTable(_staging))
    except DBAPIError as exc:
        if _errno(exc) in NO_TEMPORARY_TABLES:
            raise LocalInfileRefused(f"no staging table: {exc.orig}") from exc
        raise
    _load(connection, _load_statement(_staging.name, stamped=False), {"path": str(path)}, rows=rows)
    loaded = time.perf_counter()
    chosen = select(
        *(_staging.c[name] for name in STAGED_COLUMNS),
        literal(stamp, customers.c.created_at.type),
        literal(stamp, customers.c.updated_at.type),
    )
    upsert = on_duplicate_key(
        mysql.insert(customers).from_select([*STAGED_COLUMNS, "created_at", "updated_at"], chosen),
        profile_assignments,
    )
    connection.execute(upsert)
    note_change(connection)
    connection.execute(DropTable(_staging))
    logger.info(
        "LOAD DATA of %d rows into staging in %.1f s, INSERT ... SELECT into customers in %.1f s",
        rows,
        loaded - started,
        time.perf_counter() - loaded,
    )
