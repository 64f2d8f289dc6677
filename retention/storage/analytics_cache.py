"""Analytics answers kept with the data version they were computed at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from retention.storage.customers import as_utc, naive_utc
from retention.storage.tables import analytics_cache
from retention.storage.upsert import upsert_statement


@dataclass(frozen=True)
class Entry:
    """A kept answer: its JSON, the data version it describes, and when it was computed."""

    payload: str
    data_version: int
    computed_at: datetime


def get_entry(connection: Connection, key: str) -> Entry | None:
    row = connection.execute(
        select(
            analytics_cache.c.payload, analytics_cache.c.data_version, analytics_cache.c.computed_at
        ).where(analytics_cache.c.key == key)
    ).first()
    return None if row is None else Entry(str(row[0]), int(row[1]), as_utc(row[2]))


def put_entry(connection: Connection, key: str, entry: Entry) -> None:
    statement = upsert_statement(
        connection,
        analytics_cache,
        key="key",
        assignments=lambda new: [
            ("data_version", new.data_version),
            ("computed_at", new.computed_at),
            ("payload", new.payload),
        ],
    )
    connection.execute(
        statement.values(
            key=key,
            data_version=entry.data_version,
            computed_at=naive_utc(entry.computed_at),
            payload=entry.payload,
        )
    )
