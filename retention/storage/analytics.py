"""Portfolio aggregates, computed in SQL so they cost the same at 1,000 or 1,000,000 customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from retention.records import Overview, RiskTier, TierCount
from retention.storage.tables import customers


def overview(connection: Connection) -> Overview:
    """Counts, churn, revenue and revenue at risk, and customers per latest tier: one scan of the table."""
    c = customers.c
    groups = connection.execute(
        full_scan(
            select(
                c.risk_tier,
                c.risk_model_version,
                func.count(),
                func.coalesce(func.sum(case((c.churn.is_(True), 1), else_=0)), 0),
                func.count(c.churn),
                func.coalesce(func.sum(c.monthly_charges), 0.0),
                func.coalesce(func.sum(c.risk_expected_loss), 0.0),
                func.coalesce(func.sum(c.health_score), 0),
                func.count(c.health_score),
            )
            .select_from(customers)
            .group_by(c.risk_tier, c.risk_model_version)
        )
    ).all()
    counts = {tier: [0, 0.0] for tier in RiskTier}
    per_version: dict[str, int] = {}
    total = churned = labelled = scored = health_count = 0
    revenue = at_risk = health_sum = 0.0
    for tier, version, count, churn, labels, charges, loss, health, healths in groups:
        total, churned, labelled = total + int(count), churned + int(churn), labelled + int(labels)
        revenue, at_risk = revenue + float(charges), at_risk + float(loss)
        health_sum, health_count = health_sum + float(health), health_count + int(healths)
        if tier is not None:
            scored += int(count)
            counts[RiskTier(tier)][0] += int(count)
            counts[RiskTier(tier)][1] += float(charges)
            per_version[version] = per_version.get(version, 0) + int(count)
    return Overview(
        customer_count=total,
        churned_count=churned,
        labelled_count=labelled,
        scored_count=scored,
        monthly_revenue=revenue,
        monthly_revenue_at_risk=at_risk,
        average_health_score=health_sum / health_count if health_count else None,
        # The version that scored most customers: after a rescore that is the new one.
        model_version=max(per_version, key=lambda v: per_version[v]) if per_version else None,
        tiers=[
            TierCount(tier=t, count=int(counts[t][0]), monthly_charges=float(counts[t][1])) for t in RiskTier
        ],
    )


def full_scan(query: Select[Any]) -> Select[Any]:
    """`query` told to read the customers table itself on MySQL/MariaDB. Grouping by an indexed column,
    MariaDB would walk that index and look up every row it lists: measured on 1,000,000 customers, over
    10 s against about 1.5 s for a scan."""
    hint = "IGNORE INDEX (" + ", ".join(_SECONDARY_INDEXES) + ")"
    return query.with_hint(customers, hint, dialect_name="mysql").with_hint(
        customers, hint, dialect_name="mariadb"
    )


_SECONDARY_INDEXES = tuple(
    index.name for index in sorted(customers.indexes, key=lambda i: str(i.name)) if index.name
)
