"""Portfolio aggregates, computed in SQL so they cost the same at 1,000 or 1,000,000 customers."""

from __future__ import annotations

from sqlalchemy import Connection, case, func, select

from retention.records import Overview, RiskTier, TierCount
from retention.storage.tables import customers


def overview(connection: Connection) -> Overview:
    """Counts, churn, revenue and revenue at risk, and customers per latest tier."""
    c = customers.c
    totals = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((c.churn.is_(True), 1), else_=0)), 0),
            func.count(c.churn),
            func.count(c.risk_probability),
            func.coalesce(func.sum(c.monthly_charges), 0.0),
            func.coalesce(func.sum(c.risk_expected_loss), 0.0),
            func.avg(c.health_score),
        ).select_from(customers)
    ).one()
    by_tier = connection.execute(
        select(
            c.risk_tier, c.risk_model_version, func.count(), func.coalesce(func.sum(c.monthly_charges), 0.0)
        )
        .where(c.risk_tier.is_not(None))
        .group_by(c.risk_tier, c.risk_model_version)
    ).all()
    counts = {tier: [0, 0.0] for tier in RiskTier}
    per_version: dict[str, int] = {}
    for tier, version, count, charges in by_tier:
        counts[RiskTier(tier)][0] += int(count)
        counts[RiskTier(tier)][1] += float(charges)
        per_version[version] = per_version.get(version, 0) + int(count)
    return Overview(
        customer_count=int(totals[0]),
        churned_count=int(totals[1]),
        labelled_count=int(totals[2]),
        scored_count=int(totals[3]),
        monthly_revenue=float(totals[4]),
        monthly_revenue_at_risk=float(totals[5]),
        average_health_score=None if totals[6] is None else float(totals[6]),
        # The version that scored most customers: after a rescore that is the new one.
        model_version=max(per_version, key=lambda v: per_version[v]) if per_version else None,
        tiers=[
            TierCount(tier=t, count=int(counts[t][0]), monthly_charges=float(counts[t][1])) for t in RiskTier
        ],
    )
