"""Breakdowns in SQL equal the same breakdowns worked out in Python over the stored rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from retention.records import RiskTier
from retention.segments import SPLITS, SegmentDimension
from retention.storage import customers
from retention.storage import segments as store
from retention.storage.runs import start_run
from retention.storage.scores import NewSnapshot, write_snapshots
from tests.factories import profile_rows
from tests.support import BACKENDS, fresh_database, migrated_engine

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ROWS = profile_rows(300, seed=11)
for _index, _row in enumerate(ROWS):
    if _index % 10 == 0:
        _row["churn"] = None  # unlabelled customers count as customers, not in a rate
PROBABILITIES = {str(r["customer_id"]): (i * 37 % 101) / 100 for i, r in enumerate(ROWS) if i % 4}


@pytest.fixture(scope="module", params=BACKENDS)
def stored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with (
        fresh_database(request.param, tmp_path_factory.mktemp("segments")) as url,
        migrated_engine(url) as engine,
    ):
        with engine.begin() as connection:
            customers.upsert_profiles(connection, ROWS, now=NOW)
            pks = dict(
                connection.execute(select(customers.customers.c.customer_id, customers.customers.c.id)).all()
            )
            snapshots = [
                NewSnapshot(customer_pk=pks[cid], probability=p, score=round(100 * p), tier=RiskTier.LOW)
                for cid, p in PROBABILITIES.items()
            ]
            run_id = start_run(connection, model_version="v1", kind="test", now=NOW)
            write_snapshots(connection, snapshots, run_id=run_id, model_version="v1", scored_at=NOW)
        yield engine


@pytest.mark.parametrize("dimension", list(SegmentDimension), ids=lambda d: d.value)
def test_segment_counts_equal_a_python_count_of_the_same_rows(
    stored: Engine, dimension: SegmentDimension
) -> None:
    split = SPLITS[dimension]

    def label_of(value: object) -> str:
        if split.categories:
            return str(value)
        number = int(value)  # type: ignore[call-overload]
        return next(
            b.label for b in split.bands if b.lower <= number and (b.upper is None or number <= b.upper)
        )

    with stored.connect() as connection:
        found = store.segment_counts(connection, split)
    assert [s.label for s in found] == list(split.labels)
    for segment in found:
        members = [r for r in ROWS if label_of(r[split.column]) == segment.label]
        scored = [
            PROBABILITIES[str(r["customer_id"])] for r in members if str(r["customer_id"]) in PROBABILITIES
        ]
        assert segment.customers == len(members)
        assert segment.labelled == sum(r["churn"] is not None for r in members)
        assert segment.churned == sum(r["churn"] is True or r["churn"] == 1 for r in members)
        assert segment.scored == len(scored)
        assert segment.probability_sum == pytest.approx(sum(scored))
    assert sum(s.customers for s in found) == len(ROWS)


@pytest.mark.parametrize("bins", [1, 7, 10, 100])
def test_risk_bins_hold_every_scored_customer_once_in_its_interval(stored: Engine, bins: int) -> None:
    with stored.connect() as connection:
        found = store.risk_bins(connection, bins)
    assert len(found) == bins and found[0].lower == 0 and found[-1].upper == 1
    for index, risk_bin in enumerate(found):
        last = index == bins - 1
        expected = sum(
            risk_bin.lower <= p < risk_bin.upper or (last and p == 1) for p in PROBABILITIES.values()
        )
        assert risk_bin.customers == expected, (index, risk_bin)


def test_tenure_counts_split_labelled_customers_into_churned_and_active(stored: Engine) -> None:
    with stored.connect() as connection:
        found = store.tenure_counts(connection)
    labelled = [r for r in ROWS if r["churn"] is not None]
    assert sum(c.churned + c.active for c in found) == len(labelled)
    months = sorted({int(r["tenure_months"]) for r in labelled})  # type: ignore[call-overload]
    assert [c.tenure_month for c in found] == months
    first = found[0]
    at_first = [r for r in labelled if r["tenure_months"] == first.tenure_month]
    assert first.churned == sum(bool(r["churn"]) for r in at_first)
