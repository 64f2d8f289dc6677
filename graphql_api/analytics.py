"""Portfolio figures: the overview query."""

from __future__ import annotations

import strawberry

from graphql_api.context import Info
from graphql_api.errors import call_core
from retention.records import Overview as OverviewRecord
from retention.records import RiskTier
from retention.services import analytics as analytics_service


@strawberry.type(description="Customers whose latest score falls in one tier.")
class TierCount:
    tier: RiskTier = strawberry.field(description="The tier.")
    count: int = strawberry.field(description="Customers in it.")
    monthly_charges: float = strawberry.field(description="Their monthly charges, summed.")


@strawberry.type(description="Portfolio figures for the whole customer base.")
class Overview:
    customer_count: int = strawberry.field(description="All customers.")
    churned_count: int = strawberry.field(description="Customers labelled as churned in the imported data.")
    churn_rate: float | None = strawberry.field(
        description="Churned / labelled customers (historical, from the import); null when none is labelled."
    )
    scored_count: int = strawberry.field(description="Customers with a risk score.")
    high_risk_count: int = strawberry.field(description="Customers whose latest tier is HIGH.")
    monthly_revenue: float = strawberry.field(description="Monthly charges of all customers, summed.")
    monthly_revenue_at_risk: float = strawberry.field(
        description="Expected monthly revenue lost: Σ probability × monthly charges over scored customers."
    )
    model_version: str | None = strawberry.field(description="The model version behind most current scores.")
    tiers: list[TierCount] = strawberry.field(description="Customers per tier: HIGH, MEDIUM, LOW.")

    @classmethod
    def from_record(cls, record: OverviewRecord) -> Overview:
        """The API view of the core's overview."""
        return cls(
            customer_count=record.customer_count,
            churned_count=record.churned_count,
            churn_rate=record.churn_rate,
            scored_count=record.scored_count,
            high_risk_count=record.high_risk_count,
            monthly_revenue=record.monthly_revenue,
            monthly_revenue_at_risk=record.monthly_revenue_at_risk,
            model_version=record.model_version,
            tiers=[
                TierCount(tier=t.tier, count=t.count, monthly_charges=t.monthly_charges) for t in record.tiers
            ],
        )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(description="Customers, churn, revenue at risk and the tier split.")
    async def overview(self, info: Info) -> Overview:
        record = await call_core(analytics_service.overview, engine=info.context.runtime.engine)
        return Overview.from_record(record)
