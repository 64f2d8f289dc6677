"""Portfolio figures: the overview, the risk distribution, churn by segment and the retention curve."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.utils.str_converters import to_camel_case

from graphql_api.context import Info
from graphql_api.errors import call_core, coded_error
from retention import features
from retention.features import Kind
from retention.records import Overview as OverviewRecord
from retention.records import RiskTier
from retention.segments import MAX_BINS, MIN_TRUSTED_CUSTOMERS, SegmentDimension
from retention.segments import RetentionPoint as RetentionPointRecord
from retention.segments import RiskBin as RiskBinRecord
from retention.segments import Segment as SegmentRecord
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
    active_count: int = strawberry.field(
        description="Customers not labelled as churned (customerCount - churnedCount; unlabelled ones count)."
    )
    labelled_count: int = strawberry.field(
        description="Customers whose churn label is known: churnRate's base."
    )
    average_health_score: float | None = strawberry.field(
        description="Mean of the legacy health score (0-100) where the import gave one; null when none did."
    )
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
            active_count=record.active_count,
            labelled_count=record.labelled_count,
            average_health_score=record.average_health_score,
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


@strawberry.type(
    description="Scored customers whose probability lies in [lower, upper); the last bin includes 1."
)
class RiskBin:
    lower: float = strawberry.field(description="Lowest probability in the bin.")
    upper: float = strawberry.field(description="Probability where the next bin starts.")
    customers: int = strawberry.field(description="Scored customers in the bin.")

    @classmethod
    def of(cls, record: RiskBinRecord) -> RiskBin:
        return cls(lower=record.lower, upper=record.upper, customers=record.customers)


@strawberry.type(description="One segment of the customer base: its size, observed churn and predicted risk.")
class Segment:
    label: str = strawberry.field(description="The segment, e.g. Basic or 13-24 months.")
    customers: int = strawberry.field(description="Customers in the segment.")
    labelled: int = strawberry.field(description="Of those, customers whose churn label is known.")
    churned: int = strawberry.field(description="Of those, customers labelled as churned.")
    churn_rate: float | None = strawberry.field(description="churned / labelled; null when none is labelled.")
    churn_rate_low: float | None = strawberry.field(
        description="Lower end of the 95% Wilson interval of churnRate."
    )
    churn_rate_high: float | None = strawberry.field(
        description="Upper end of the 95% Wilson interval of churnRate."
    )
    scored: int = strawberry.field(description="Customers in the segment with a risk score.")
    mean_probability: float | None = strawberry.field(
        description="Mean predicted churn probability of the scored customers; null when none is scored."
    )
    too_small: bool = strawberry.field(
        description=f"True when fewer than {MIN_TRUSTED_CUSTOMERS} customers are labelled: the churn rate is "
        "too uncertain to rank this segment by."
    )

    @classmethod
    def of(cls, record: SegmentRecord) -> Segment:
        return cls(
            label=record.label,
            customers=record.customers,
            labelled=record.labelled,
            churned=record.churned,
            churn_rate=record.churn_rate,
            churn_rate_low=record.interval.low if record.interval else None,
            churn_rate_high=record.interval.high if record.interval else None,
            scored=record.scored,
            mean_probability=record.mean_probability,
            too_small=record.too_small,
        )


@strawberry.type(description="The Kaplan-Meier share of customers retained through one tenure month.")
class RetentionPoint:
    tenure_month: int = strawberry.field(description="Months since subscribing.")
    retained: float = strawberry.field(
        description="Estimated share of customers still retained after this month (churn is the event; an "
        "active customer counts up to its own tenure)."
    )
    at_risk: int = strawberry.field(description="Labelled customers with at least this tenure.")
    churned: int = strawberry.field(description="Customers who churned at this tenure month.")

    @classmethod
    def of(cls, record: RetentionPointRecord) -> RetentionPoint:
        return cls(
            tenure_month=record.tenure_month,
            retained=record.retained,
            at_risk=record.at_risk,
            churned=record.churned,
        )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(description="Customers, churn, revenue at risk and the tier split.")
    async def overview(self, info: Info) -> Overview:
        record = await call_core(analytics_service.overview, engine=info.context.runtime.engine)
        return Overview.from_record(record)

    @strawberry.field(
        description="How scored customers spread over the churn probability, in equal-width bins."
    )
    async def risk_distribution(
        self,
        info: Info,
        bins: Annotated[int, strawberry.argument(description=f"Number of bins, 1 to {MAX_BINS}.")] = 10,
    ) -> list[RiskBin]:
        found = await call_core(
            analytics_service.risk_distribution, engine=info.context.runtime.engine, bins=bins
        )
        return [RiskBin.of(b) for b in found]

    @strawberry.field(
        description="Observed churn with 95% Wilson intervals, and mean predicted risk, per segment of a "
        "dimension, in the dimension's order."
    )
    async def churn_by_segment(
        self,
        info: Info,
        dimension: Annotated[
            SegmentDimension, strawberry.argument(description="How to split the customers.")
        ],
    ) -> list[Segment]:
        found = await call_core(
            analytics_service.churn_by_segment, engine=info.context.runtime.engine, dimension=dimension
        )
        return [Segment.of(s) for s in found]

    @strawberry.field(
        description="Observed churn with 95% Wilson intervals, and mean predicted risk, per band of a "
        "numeric model feature cut at the served model's training deciles (up to ten bands, fewer where "
        "deciles coincide). BAD_USER_INPUT for a feature that is not a numeric model input; "
        "MODEL_NOT_READY before a model is served."
    )
    async def churn_by_decile(
        self,
        info: Info,
        feature: Annotated[
            str, strawberry.argument(description="A numeric feature's field name, e.g. lastLoginDays.")
        ],
    ) -> list[Segment]:
        runtime = info.context.runtime
        column = _NUMERIC_FEATURES.get(feature)
        if column is None:
            raise coded_error(
                f"feature: {feature[:64]!r} is not a numeric model feature (one of "
                f"{', '.join(_NUMERIC_FEATURES)})",
                "BAD_USER_INPUT",
            )
        model = await call_core(runtime.active_model)
        found = await call_core(
            analytics_service.churn_by_decile, engine=runtime.engine, manifest=model.manifest, feature=column
        )
        return [Segment.of(s) for s in found]

    @strawberry.field(
        description="Share of labelled customers retained by tenure month (Kaplan-Meier, churn as the "
        "event), one point per tenure month present in the data."
    )
    async def retention_curve(self, info: Info) -> list[RetentionPoint]:
        found = await call_core(analytics_service.retention_curve, engine=info.context.runtime.engine)
        return [RetentionPoint.of(p) for p in found]


# Numeric model inputs by GraphQL field name: what churnByDecile can cut.
_NUMERIC_FEATURES: dict[str, str] = {
    to_camel_case(column.name): column.name
    for column in features.FEATURES
    if column.kind in (Kind.INT, Kind.FLOAT)
}
