"""Batch scoring: every customer, in chunks, with history kept."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine
from tqdm import tqdm

from retention.features import FEATURE_NAMES
from retention.ml.matrix import matrix_from_tuples
from retention.ml.registry import LoadedModel
from retention.risk import RiskPolicy, risk_score
from retention.storage import customers as customer_store
from retention.storage.scores import NewSnapshot, write_snapshots

log = logging.getLogger(__name__)
# Kept with every snapshot, so "why did this score change" can compare two snapshots later.
TOP_DRIVERS = 5


def score_all_customers(
    *,
    engine: Engine,
    model: LoadedModel,
    policy: RiskPolicy,
    chunk_size: int = 5000,
    progress: bool | None = None,
) -> int:
    """Score every stored customer with `model`; each chunk commits on its own. Returns customers scored."""
    with engine.connect() as connection:
        total = customer_store.count_customers(connection)
    scored = 0
    # tqdm's disable=None hides the bar when stderr is not a terminal.
    hidden = None if progress is None else not progress
    with engine.connect() as reader, tqdm(total=total, unit="customer", disable=hidden) as bar:
        for rows in customer_store.iter_model_rows(reader, columns=FEATURE_NAMES, chunk_size=chunk_size):
            probabilities = model.churn_probability(matrix_from_tuples([row[2:] for row in rows]))
            snapshots = [
                NewSnapshot(
                    customer_pk=row[0], probability=float(p), score=risk_score(float(p)), tier=policy.tier(p)
                )
                for row, p in zip(rows, probabilities, strict=True)
            ]
            with engine.begin() as writer:
                write_snapshots(writer, snapshots, model_version=model.version, scored_at=datetime.now(UTC))
            scored += len(rows)
            bar.update(len(rows))
    log.info("scored %d customers with model %s", scored, model.version)
    return scored
