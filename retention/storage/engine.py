"""Engines that survive a MySQL restart and idle timeouts, and a SQLite file that tolerates readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_MYSQL_CONNECT_ARGS = {"connect_timeout": 10, "read_timeout": 600, "write_timeout": 600}


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; nothing connects until first use."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url)
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    return create_engine(
        url,
        # A pooled connection may have been closed by a server restart or wait_timeout: ping first,
        # and recycle well below MySQL's default 8-hour wait_timeout.
        pool_pre_ping=True,
        pool_recycle=3600,
        pool_size=5,
        max_overflow=10,
        # LOAD DATA LOCAL lets the server ask for any file this process can read: never on a pooled
        # connection, which runs whatever statement comes next.
        connect_args={**_MYSQL_CONNECT_ARGS, "local_infile": False},
    )


def local_infile_engine(engine: Engine) -> Engine:
    """An unpooled engine on the same MySQL/MariaDB database whose connections may LOAD DATA LOCAL.

    Only the bulk writers use it (the importer, retention.storage.staged; batch scoring,
    retention.storage.snapshot_load), each sending files it wrote itself; dispose of it when done.
    """
    return create_engine(
        engine.url, poolclass=NullPool, connect_args={**_MYSQL_CONNECT_ARGS, "local_infile": True}
    )


def _sqlite_engine(database_url: str) -> Engine:
    database = make_url(database_url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the server read while an import or a scoring run writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
