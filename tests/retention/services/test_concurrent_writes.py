"""Writers racing each other: every write succeeds (a deadlock's victim runs again) and is stored once."""

from __future__ import annotations

import concurrent.futures

from sqlalchemy import func, select

from retention.services.writes import upsert_customers
from retention.storage.tables import customers, risk_scores
from tests.factories import POLICY, profile_rows
from tests.support import ScoredDatabase

WRITERS, EACH = 4, 40


def test_concurrent_writers_of_new_customers_all_succeed(scored_database: ScoredDatabase) -> None:
    model = scored_database.load_model()
    profiles = profile_rows(WRITERS * EACH, seed=21)

    def write(writer: int) -> int:
        done = 0
        for n in range(EACH):
            row = {**profiles[writer * EACH + n], "customer_id": f"RACE-{writer}-{n}"}
            outcome = upsert_customers(engine=scored_database.engine, model=model, policy=POLICY, rows=[row])
            assert not outcome.problems, outcome.problems
            done += len(outcome.customers)
        return done

    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        written = sum(pool.map(write, range(WRITERS)))

    with scored_database.engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).select_from(customers).where(customers.c.customer_id.like("RACE-%"))
        ).scalar_one()
        unscored = connection.execute(
            select(func.count())
            .select_from(customers)
            .where(customers.c.customer_id.like("RACE-%"), customers.c.risk_scored_at.is_(None))
        ).scalar_one()
        snapshots = connection.execute(
            select(func.count())
            .select_from(risk_scores.join(customers, customers.c.id == risk_scores.c.customer_pk))
            .where(customers.c.customer_id.like("RACE-%"))
        ).scalar_one()
    assert written == stored == snapshots == WRITERS * EACH
    assert unscored == 0
