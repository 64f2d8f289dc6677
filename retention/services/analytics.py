"""Portfolio figures for analysts."""

from __future__ import annotations

from sqlalchemy import Engine

from retention.records import Overview
from retention.storage import analytics as store


def overview(*, engine: Engine) -> Overview:
    """Customers, churn, revenue at risk and the tier split, from the latest scores."""
    with engine.connect() as connection:
        return store.overview(connection)
