"""Risk history read for many customers at once: each customer's newest snapshots, in one statement.

A window (ROW_NUMBER per customer, newest first) keeps each customer's first N rows, so a page of 100
customers costs one statement however long their histories are; ix_risk_scores_customer_time serves it.
Each row comes with its model version's base value and feature order (one join), which is what its
stored contributions need to be read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from retention.explanations import ExplainedRisk, explanation_of
from retention.records import RiskSnapshot, RiskTier
from retention.storage import cursors
from retention.storage.contributions import decode
from retention.storage.customers import as_utc, naive_utc
from retention.storage.tables import customers, model_versions, risk_scores


@dataclass(frozen=True)
class Position:
    """Where a snapshot sits in a customer's history (newest first: by time, then id)."""

    scored_at: datetime  # naive UTC, as stored
    snapshot_id: int


_MAX_CURSOR_CHARS = 120


def encode_cursor(position: Position) -> str:
    """The opaque history cursor that points just after `position`."""
    return cursors.pack([position.scored_at.isoformat(), position.snapshot_id])


def decode_cursor(cursor: str) -> Position:
    """The position in a cursor; ValueError when it is not one encode_cursor made."""
    try:
        moment, snapshot_id = cursors.unpack(cursor, size=2, max_chars=_MAX_CURSOR_CHARS)
        if not (isinstance(moment, str) and type(snapshot_id) is int and snapshot_id > 0):
            raise ValueError("wrong shape")
        scored_at = datetime.fromisoformat(moment)
    except (ValueError, TypeError, RecursionError, UnicodeError) as exc:
        raise ValueError("not a history cursor this API issued") from exc
    if scored_at.tzinfo is not None:
        raise ValueError("not a history cursor this API issued")
    return Position(scored_at=scored_at, snapshot_id=snapshot_id)


def position_of(risk: ExplainedRisk) -> Position:
    """The position of a stored snapshot."""
    assert risk.snapshot_id is not None, "a what-if has no place in a history"
    return Position(naive_utc(risk.snapshot.scored_at), risk.snapshot_id)


def newest_snapshots(
    connection: Connection,
    customer_ids: Sequence[str],
    *,
    limit: int,
    after: Position | None = None,
    at_or_before: datetime | None = None,
) -> dict[str, list[ExplainedRisk]]:
    """Each customer's newest `limit` snapshots (after `after`, scored at or before `at_or_before`)."""
    if not customer_ids:
        return {}
    newest_first = (risk_scores.c.scored_at.desc(), risk_scores.c.id.desc())
    rank = func.row_number().over(partition_by=risk_scores.c.customer_pk, order_by=newest_first)
    inner = (
        select(
            customers.c.customer_id,
            risk_scores.c.id,
            risk_scores.c.probability,
            risk_scores.c.score,
            risk_scores.c.tier,
            risk_scores.c.model_version,
            risk_scores.c.scored_at,
            risk_scores.c.contributions,
            rank.label("newest"),
        )
        .join(customers, customers.c.id == risk_scores.c.customer_pk)
        .where(customers.c.customer_id.in_(sorted(set(customer_ids))))
    )
    if after is not None:
        inner = inner.where(
            or_(
                risk_scores.c.scored_at < after.scored_at,
                and_(risk_scores.c.scored_at == after.scored_at, risk_scores.c.id < after.snapshot_id),
            )
        )
    if at_or_before is not None:
        inner = inner.where(risk_scores.c.scored_at <= naive_utc(at_or_before))
    ranked = inner.subquery()
    query = (
        select(ranked, model_versions.c.base_value, model_versions.c.features)
        .join(model_versions, model_versions.c.version == ranked.c.model_version, isouter=True)
        .where(ranked.c.newest <= limit)
        .order_by(ranked.c.customer_id, ranked.c.newest)
    )
    found: dict[str, list[ExplainedRisk]] = {customer_id: [] for customer_id in customer_ids}
    for row in connection.execute(query):
        found[row.customer_id].append(_explained(row._mapping))
    return found


def _explained(row: Any) -> ExplainedRisk:
    snapshot = RiskSnapshot(
        customer_id=row["customer_id"],
        probability=float(row["probability"]),
        score=int(row["score"]),
        tier=RiskTier(row["tier"]),
        model_version=row["model_version"],
        scored_at=as_utc(row["scored_at"]),
    )
    explanation = None
    if row["contributions"] is not None and row["features"] is not None:
        names = tuple(json.loads(row["features"]))
        stored = decode(bytes(row["contributions"]), names)
        explanation = explanation_of(names, float(row["base_value"]), stored.contributions, stored.values)
    return ExplainedRisk(snapshot=snapshot, explanation=explanation, snapshot_id=int(row["id"]))
