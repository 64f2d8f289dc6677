"""Batch scoring stores, for every customer, the model's exact probability and its top drivers."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select

from retention.features import FEATURE_NAMES
from retention.ml.matrix import matrix_from_tuples
from retention.ml.registry import registry_for
from retention.services.scoring import TOP_DRIVERS, score_all_customers
from retention.storage.tables import customers, risk_scores
from tests.factories import POLICY
from tests.support import ScoredDatabase


def test_every_customer_gets_its_probability_and_top_drivers_in_the_history(
    scored_database: ScoredDatabase,
) -> None:
    model = registry_for(scored_database.model_dir).load(scored_database.model_version)
    engine = scored_database.engine
    with engine.connect() as connection:
        before = connection.execute(select(risk_scores.c.id)).all()

    count = score_all_customers(engine=engine, model=model, policy=POLICY, chunk_size=128, progress=False)

    with engine.connect() as connection:
        features = connection.execute(
            select(customers.c.id, *(customers.c[name] for name in FEATURE_NAMES)).order_by(customers.c.id)
        ).all()
        latest = connection.execute(
            select(risk_scores.c.customer_pk, risk_scores.c.probability, risk_scores.c.drivers)
            .where(risk_scores.c.id.not_in([row[0] for row in before]))
            .order_by(risk_scores.c.customer_pk)
        ).all()
    assert count == len(features) == len(latest) == 1000
    explained = model.explain(matrix_from_tuples([tuple(row)[1:] for row in features]))
    np.testing.assert_allclose([row[1] for row in latest], explained.probabilities, atol=1e-12)
    for (_, _, drivers), contributions in zip(latest, explained.contributions, strict=True):
        stored = json.loads(drivers)
        assert len(stored) == TOP_DRIVERS
        sizes = [abs(contribution) for _, contribution in stored]
        assert sizes == sorted(sizes, reverse=True)
        assert sizes[0] == round(float(np.max(np.abs(contributions))), 6)
