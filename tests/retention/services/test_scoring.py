"""Batch scoring stores, for every customer, the model's exact probability and every contribution."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from retention.features import FEATURE_NAMES
from retention.ml.matrix import matrix_from_tuples
from retention.services.scoring import score_all_customers
from retention.storage.contributions import decode
from retention.storage.tables import customers, risk_scores
from tests.factories import POLICY
from tests.support import ScoredDatabase


def test_every_customer_gets_its_probability_and_contributions_in_the_history(
    scored_database: ScoredDatabase,
) -> None:
    model = scored_database.load_model()
    engine = scored_database.engine
    with engine.connect() as connection:
        before = connection.execute(select(risk_scores.c.id)).all()

    count = score_all_customers(engine=engine, model=model, policy=POLICY, chunk_size=128, progress=False)

    with engine.connect() as connection:
        features = connection.execute(
            select(customers.c.id, *(customers.c[name] for name in FEATURE_NAMES)).order_by(customers.c.id)
        ).all()
        latest = connection.execute(
            select(risk_scores.c.customer_pk, risk_scores.c.probability, risk_scores.c.contributions)
            .where(risk_scores.c.id.not_in([row[0] for row in before]))
            .order_by(risk_scores.c.customer_pk)
        ).all()
    assert count == len(features) == len(latest) == 1000
    explained = model.explain(matrix_from_tuples([tuple(row)[1:] for row in features]))
    np.testing.assert_allclose([row[1] for row in latest], explained.probabilities, atol=1e-12)
    stored = np.array([decode(row[2]).contributions for row in latest])
    np.testing.assert_array_equal(stored, explained.contributions)
    np.testing.assert_allclose(
        explained.base_value + stored.sum(axis=1), [row[1] for row in latest], atol=1e-12
    )
    # Each snapshot also keeps the model-input values it was scored on, exactly.
    values = np.array([decode(row[2]).values for row in latest])
    np.testing.assert_array_equal(values, matrix_from_tuples([tuple(row)[1:] for row in features]))
