"""The data's version: every write to customers or their scores notes itself, so cached analytics know
when they are stale."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select

from retention.storage.tables import data_changes


def note_change(connection: Connection) -> None:
    """Record, in the caller's transaction, that customers or their scores changed.

    An append rather than a counter's update: concurrent writers never wait on one row.
    """
    connection.execute(insert(data_changes).values(changed_at=datetime.now(UTC).replace(tzinfo=None)))


def data_version(connection: Connection) -> int:
    """The latest change's id (0 before any): equal versions, equal data."""
    return int(connection.execute(select(func.coalesce(func.max(data_changes.c.id), 0))).scalar_one())
