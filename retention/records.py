"""Frozen records the core hands out; no ORM row or connection ever leaves storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

Value = int | float | str | None
T = TypeVar("T")


class RiskTier(Enum):
    """Risk bands an analyst acts on, by configurable probability thresholds."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


@dataclass(frozen=True)
class CustomerProfile:
    """A customer as imported: the id plus every other declared column by name."""

    customer_id: str
    values: Mapping[str, Value]

    def __getitem__(self, name: str) -> Value:
        return self.values[name]


@dataclass(frozen=True)
class RiskSnapshot:
    """One scoring of one customer by one model version."""

    customer_id: str
    probability: float
    score: int
    tier: RiskTier
    model_version: str
    scored_at: datetime


@dataclass(frozen=True)
class Customer:
    """A stored customer with its latest risk snapshot, if it has been scored."""

    profile: CustomerProfile
    risk: RiskSnapshot | None
    created_at: datetime
    updated_at: datetime

    @property
    def customer_id(self) -> str:
        return self.profile.customer_id

    @property
    def expected_loss(self) -> float | None:
        """Monthly revenue at stake: the latest churn probability × monthly charges (None until scored);
        the product the EXPECTED_LOSS order sorts by (customers.risk_expected_loss)."""
        charges = self.profile["monthly_charges"]
        if self.risk is None or not isinstance(charges, (int, float)):
            return None
        return self.risk.probability * float(charges)


@dataclass(frozen=True)
class Page(Generic[T]):
    """A slice of an ordered listing: its items, the cursor just after each, and whether more follow."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class Driver:
    """A model's global churn driver: how much shuffling the feature hurts held-out accuracy."""

    feature: str
    label: str
    importance: float


@dataclass(frozen=True)
class TierCount:
    """Customers whose latest score falls in one tier."""

    tier: RiskTier
    count: int
    monthly_charges: float


@dataclass(frozen=True)
class Overview:
    """Portfolio-level figures for the overview page, aggregated in SQL."""

    customer_count: int
    churned_count: int
    labelled_count: int
    scored_count: int
    monthly_revenue: float
    monthly_revenue_at_risk: float
    model_version: str | None
    tiers: list[TierCount] = field(default_factory=list)
    average_health_score: float | None = None

    @property
    def active_count(self) -> int:
        """Customers not labelled as churned (unlabelled ones count as active)."""
        return self.customer_count - self.churned_count

    @property
    def churn_rate(self) -> float | None:
        return self.churned_count / self.labelled_count if self.labelled_count else None

    @property
    def high_risk_count(self) -> int:
        return sum(t.count for t in self.tiers if t.tier is RiskTier.HIGH)
