"""Which model version is active: an append-only log of activations, the latest one wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from retention.storage.customers import naive_utc
from retention.storage.tables import model_activations


def record_activation(connection: Connection, *, model_version: str, now: datetime) -> None:
    """Make `model_version` the active one from now on; earlier activations stay as history."""
    connection.execute(
        insert(model_activations).values(model_version=model_version, activated_at=naive_utc(now))
    )


def active_version(connection: Connection) -> str | None:
    """The most recently activated version, or None before the first activation."""
    return connection.execute(
        select(model_activations.c.model_version).order_by(model_activations.c.id.desc()).limit(1)
    ).scalar_one_or_none()
