"""Kept analytics: served while the data is at the version they describe, recomputed after any write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from retention.records import RiskTier
from retention.services import analytics
from retention.services.writes import delete_customer
from retention.storage.customers import now_utc, upsert_profiles
from retention.storage.runs import start_run
from retention.storage.scores import NewSnapshot, write_snapshots
from retention.storage.tables import customers
from tests.factories import profile_rows


@pytest.fixture
def scans(engine: Engine) -> Iterator[list[str]]:
    """Statements that read the customers table."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM customers" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_an_answer_is_kept_until_the_data_changes(engine: Engine, scans: list[str]) -> None:
    with engine.begin() as connection:
        upsert_profiles(connection, profile_rows(20), now=now_utc())

    first = analytics.overview(engine=engine)
    scanned = len(scans)
    again = analytics.overview(engine=engine)

    assert again == first and first.customer_count == 20
    assert scanned > 0 and len(scans) == scanned  # the second answer read no customer


def test_every_write_path_makes_the_next_answer_fresh(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_profiles(connection, profile_rows(20), now=now_utc())
    assert analytics.overview(engine=engine).customer_count == 20
    assert [
        s.customers
        for s in analytics.churn_by_segment(engine=engine, dimension=analytics.SegmentDimension.DISCOUNT)
    ]

    with engine.begin() as connection:  # an import or an API write
        upsert_profiles(connection, profile_rows(5, first_index=100), now=now_utc())
    assert analytics.overview(engine=engine).customer_count == 25

    delete_customer(engine=engine, customer_id=profile_rows(1)[0]["customer_id"])  # type: ignore[arg-type]
    assert analytics.overview(engine=engine).customer_count == 24

    with engine.begin() as connection:  # a score run storing a chunk
        pk = connection.execute(select(customers.c.id).limit(1)).scalar_one()
        run = start_run(connection, model_version="v1", kind="batch", now=now_utc())
        snapshot = NewSnapshot(customer_pk=pk, probability=0.9, score=90, tier=RiskTier.HIGH)
        write_snapshots(connection, [snapshot], run_id=run, model_version="v1", scored_at=now_utc())
    fresh = analytics.overview(engine=engine)
    assert fresh.scored_count == 1 and fresh.high_risk_count == 1
