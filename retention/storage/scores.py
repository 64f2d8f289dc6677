"""Risk snapshots: append history, and keep each customer's latest one on its row for cheap reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, insert, update

from retention.records import RiskTier
from retention.storage.bulk import driver_value, execute_many
from retention.storage.customers import naive_utc
from retention.storage.tables import customers, risk_scores

_SNAPSHOT_COLUMNS = (
    "customer_pk",
    "run_id",
    "model_version",
    "probability",
    "score",
    "tier",
    "contributions",
    "scored_at",
)


@dataclass(frozen=True)
class NewSnapshot:
    """A score about to be stored for the customer with primary key `customer_pk`."""

    customer_pk: int
    probability: float
    score: int
    tier: RiskTier
    contributions: bytes | None = None  # see retention.storage.contributions


def write_snapshots(
    connection: Connection,
    snapshots: Sequence[NewSnapshot],
    *,
    run_id: int,
    model_version: str,
    scored_at: datetime,
) -> None:
    """Append one history row per snapshot and copy it onto the customer row, in the caller's transaction."""
    if not snapshots:
        return
    stamp = naive_utc(scored_at)
    stored_stamp = driver_value(connection, risk_scores.c.scored_at, stamp)
    execute_many(
        connection,
        insert(risk_scores),
        _SNAPSHOT_COLUMNS,
        [
            {
                "customer_pk": s.customer_pk,
                "run_id": run_id,
                "model_version": model_version,
                "probability": s.probability,
                "score": s.score,
                "tier": s.tier.value,
                "contributions": s.contributions,
                "scored_at": stored_stamp,
            }
            for s in snapshots
        ],
    )
    # One set-based UPDATE … JOIN per chunk: per-row UPDATEs would cost a round trip each.
    pks = [s.customer_pk for s in snapshots]
    connection.execute(
        update(customers)
        .where(
            and_(
                customers.c.id == risk_scores.c.customer_pk,
                risk_scores.c.customer_pk.between(min(pks), max(pks)),
                risk_scores.c.run_id == run_id,
                risk_scores.c.scored_at == stamp,
            )
        )
        .values(
            risk_probability=risk_scores.c.probability,
            risk_score=risk_scores.c.score,
            risk_tier=risk_scores.c.tier,
            risk_model_version=risk_scores.c.model_version,
            risk_scored_at=risk_scores.c.scored_at,
        )
    )
