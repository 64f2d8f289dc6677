"""The Risk type (a score with its explanation) and the riskScore query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.context import Info
from graphql_api.errors import call_core
from retention.explanations import DriverValue, ExplainedRisk, Explanation
from retention.features import COLUMNS_BY_NAME, Kind
from retention.records import RiskSnapshot, RiskTier
from retention.services import customers as customer_service

METHOD_NOTE = (
    "Root-to-leaf path attribution: along each tree's path from its root to the customer's leaf, every "
    "split's change in predicted churn rate is credited to the split's feature, averaged over the forest "
    "(and scaled through the calibration). It is exact (baseValue + Σ contribution = probability) but it "
    "is NOT a Shapley value: it depends on the order of the splits."
)


def shown_value(feature: str, value: DriverValue) -> JSON | None:
    """A model-input value as the Customer type shows that feature (flags as Booleans)."""
    if value is None:
        return None
    return JSON(bool(value) if COLUMNS_BY_NAME[feature].kind is Kind.FLAG else value)


@strawberry.type(description=f"One feature's contribution to one score. {METHOD_NOTE}")
class RiskDriver:
    feature: str = strawberry.field(description="The feature's column name, e.g. last_login_days.")
    label: str = strawberry.field(description="Readable name, e.g. Days since last login.")
    value: JSON | None = strawberry.field(
        description="The feature's value when this score was computed, typed as the Customer field of that "
        "feature (a number, a Boolean for a flag, a plan's name); null for a score stored before values "
        "were kept."
    )
    contribution: float = strawberry.field(
        description="This feature's share of the probability by root-to-leaf path attribution (not a "
        "Shapley value), in probability units: +0.12 raised it by 12 points."
    )
    description: str = strawberry.field(
        description="A readable sentence, e.g. 'last login 45 days ago: +12 points'."
    )


def _drivers(explanation: Explanation) -> list[RiskDriver]:
    return [
        RiskDriver(
            feature=d.feature,
            label=d.label,
            value=shown_value(d.feature, d.value),
            contribution=d.contribution,
            description=d.description,
        )
        for d in explanation.drivers
    ]


@strawberry.type(description="A churn risk from one model version, with its explanation.")
class Risk:
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer's id, e.g. CUST0000001; null for a what-if (scoreProfile)."
    )
    probability: float = strawberry.field(description="Probability that the customer churns, 0 to 1.")
    score: int = strawberry.field(description="round(100 × probability), 0 to 100.")
    tier: RiskTier = strawberry.field(description="HIGH, MEDIUM or LOW by the configured thresholds.")
    model_version: str = strawberry.field(description="The model version that produced this score.")
    scored_at: datetime = strawberry.field(
        description="When the score was computed (UTC); for a what-if, when it was asked."
    )
    # Known up front for history entries and what-ifs; for a customer's latest risk, loaded when asked.
    explained: strawberry.Private[ExplainedRisk | None]

    @classmethod
    def of(cls, record: RiskSnapshot, explained: ExplainedRisk | None = None) -> Risk:
        """The API view of a stored snapshot (customerId set) or a what-if (explained, no snapshot id)."""
        what_if = explained is not None and explained.snapshot_id is None
        return cls(
            customer_id=None if what_if else strawberry.ID(record.customer_id),
            probability=record.probability,
            score=record.score,
            tier=record.tier,
            model_version=record.model_version,
            scored_at=record.scored_at,
            explained=explained,
        )

    @classmethod
    def explained_risk(cls, explained: ExplainedRisk) -> Risk:
        """The API view of a snapshot whose explanation is already read."""
        return cls.of(explained.snapshot, explained)

    async def _explanation(self, info: Info) -> Explanation | None:
        explained = self.explained
        if explained is None and self.customer_id is not None:
            explained = await info.context.loaders.latest_explained.load(str(self.customer_id))
        return explained.explanation if explained is not None else None

    @strawberry.field(
        description="The model's average prediction before any feature is considered: probability = "
        "baseValue + Σ drivers.contribution (to 1e-9). Null only for a score stored without its "
        "explanation."
    )
    async def base_value(self, info: Info) -> float | None:
        explanation = await self._explanation(info)
        return explanation.base_value if explanation else None

    @strawberry.field(
        description="Every model feature's contribution, most influential (largest |contribution|) first, "
        f"so baseValue + Σ contribution = probability. {METHOD_NOTE} Null only for a score stored "
        "without its explanation."
    )
    async def drivers(self, info: Info) -> list[RiskDriver] | None:
        explanation = await self._explanation(info)
        return _drivers(explanation) if explanation else None


@strawberry.type
class RiskQuery:
    @strawberry.field(description="A customer's latest risk; null until the customer has been scored.")
    async def risk_score(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer's id, e.g. CUST0000001.")
        ],
    ) -> Risk | None:
        snapshot = await call_core(
            customer_service.latest_risk, engine=info.context.runtime.engine, customer_id=str(customer_id)
        )
        return Risk.of(snapshot) if snapshot else None
