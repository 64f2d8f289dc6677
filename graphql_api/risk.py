"""The RiskScore type and the riskScore query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.errors import call_core
from retention.records import RiskSnapshot, RiskTier
from retention.services import customers as customer_service


@strawberry.type(description="A customer's latest churn risk, from one model version.")
class RiskScore:
    customer_id: strawberry.ID = strawberry.field(description="The customer's id, e.g. CUST0001.")
    probability: float = strawberry.field(description="Probability that the customer churns, 0 to 1.")
    score: int = strawberry.field(description="round(100 × probability), 0 to 100.")
    tier: RiskTier = strawberry.field(description="HIGH, MEDIUM or LOW by the configured thresholds.")
    model_version: str = strawberry.field(description="The model version that produced this score.")
    scored_at: datetime = strawberry.field(description="When the score was computed (UTC).")

    @classmethod
    def from_record(cls, record: RiskSnapshot) -> RiskScore:
        """The API view of a core snapshot."""
        return cls(
            customer_id=strawberry.ID(record.customer_id),
            probability=record.probability,
            score=record.score,
            tier=record.tier,
            model_version=record.model_version,
            scored_at=record.scored_at,
        )


@strawberry.type
class RiskQuery:
    @strawberry.field(description="A customer's latest risk score; null until the customer has been scored.")
    async def risk_score(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer's id, e.g. CUST0001.")
        ],
    ) -> RiskScore | None:
        snapshot = await call_core(
            customer_service.latest_risk, engine=info.context.runtime.engine, customer_id=str(customer_id)
        )
        return RiskScore.from_record(snapshot) if snapshot else None
