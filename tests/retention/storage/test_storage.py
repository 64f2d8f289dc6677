"""Storage: migrations match the tables, scoring keeps history, aggregates come from SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from retention.records import RiskTier
from retention.storage import analytics, customers, migrate
from retention.storage.runs import start_run
from retention.storage.scores import NewSnapshot, write_snapshots
from retention.storage.tables import metadata, risk_scores
from tests.factories import profile_rows

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _store(engine: Engine, count: int) -> list[dict[str, object]]:
    rows = profile_rows(count)
    with engine.begin() as connection:
        customers.upsert_profiles(connection, rows, now=NOW)
    return rows


def _score(engine: Engine, probabilities: dict[str, float], *, version: str = "v1") -> None:
    with engine.begin() as connection:
        pks = dict(
            connection.execute(select(customers.customers.c.customer_id, customers.customers.c.id)).all()
        )
        snapshots = [
            NewSnapshot(customer_pk=pks[cid], probability=p, score=round(100 * p), tier=RiskTier.LOW)
            for cid, p in probabilities.items()
        ]
        run_id = start_run(connection, model_version=version, kind="test", now=NOW)
        write_snapshots(connection, snapshots, run_id=run_id, model_version=version, scored_at=NOW)


def test_migrations_build_exactly_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert migrate.is_up_to_date(engine)


def test_upsert_overwrites_a_profile_instead_of_duplicating_it(engine: Engine) -> None:
    rows = _store(engine, 3)
    changed = {**rows[0], "tenure_months": 42}
    with engine.begin() as connection:
        customers.upsert_profiles(connection, [changed], now=NOW)
        stored = customers.get_customer(connection, str(rows[0]["customer_id"]))
        assert customers.count_customers(connection) == 3
    assert stored is not None and stored.profile["tenure_months"] == 42


def test_scoring_keeps_history_and_puts_the_latest_score_on_the_customer(engine: Engine) -> None:
    rows = _store(engine, 2)
    first = str(rows[0]["customer_id"])
    _score(engine, {first: 0.3}, version="v1")
    _score(engine, {first: 0.8}, version="v2")

    with engine.connect() as connection:
        customer = customers.get_customer(connection, first)
        history = connection.execute(select(func.count()).select_from(risk_scores)).scalar_one()
    assert customer is not None and customer.risk is not None
    assert (customer.risk.probability, customer.risk.model_version) == (0.8, "v2")
    assert history == 2


def test_overview_aggregates_revenue_at_risk_and_tiers_in_sql(engine: Engine) -> None:
    rows = _store(engine, 4)
    ids = [str(r["customer_id"]) for r in rows]
    with engine.begin() as connection:
        pks = dict(
            connection.execute(select(customers.customers.c.customer_id, customers.customers.c.id)).all()
        )
        write_snapshots(
            connection,
            [
                NewSnapshot(customer_pk=pks[ids[0]], probability=0.9, score=90, tier=RiskTier.HIGH),
                NewSnapshot(customer_pk=pks[ids[1]], probability=0.1, score=10, tier=RiskTier.LOW),
            ],
            run_id=start_run(connection, model_version="v1", kind="test", now=NOW),
            model_version="v1",
            scored_at=NOW,
        )
        result = analytics.overview(connection)

    charges = {str(r["customer_id"]): float(r["monthly_charges"]) for r in rows}  # type: ignore[arg-type]
    assert result.customer_count == 4
    assert result.scored_count == 2
    assert result.high_risk_count == 1
    assert result.churned_count == sum(int(r["churn"]) for r in rows)  # type: ignore[call-overload]
    assert result.monthly_revenue == pytest.approx(sum(charges.values()))
    assert result.monthly_revenue_at_risk == pytest.approx(0.9 * charges[ids[0]] + 0.1 * charges[ids[1]])
    assert [t.tier for t in result.tiers] == [RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW]
    assert result.model_version == "v1"


def test_a_pooled_connection_the_server_killed_is_replaced_without_an_error(engine: Engine) -> None:
    if engine.dialect.name not in ("mysql", "mariadb"):
        pytest.skip("a server-side kill is a MySQL/MariaDB scenario")
    with engine.connect() as connection:
        pooled_id = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one()
    killer = create_engine(engine.url, poolclass=NullPool)
    try:
        with killer.connect() as connection:
            connection.exec_driver_sql(f"KILL CONNECTION {int(pooled_id)}")
    finally:
        killer.dispose()

    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1


def test_ids_that_differ_only_in_case_are_two_customers_on_every_backend(engine: Engine) -> None:
    upper, lower = (
        {**row, "customer_id": cid} for row, cid in zip(profile_rows(2), ["CUSTX1", "custx1"], strict=True)
    )

    with engine.begin() as connection:
        customers.upsert_profiles(connection, [upper, lower], now=NOW)
        assert customers.count_customers(connection) == 2
