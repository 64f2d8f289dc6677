"""Portfolio breakdowns: the segment dimensions, their bands, and the statistics drawn over them.

The bands are declared here once, so the SQL that groups customers, the API that lists segments and the
dashboard that draws them agree on what "13-24 months" means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from retention import features

# Fewer labelled customers than this and a segment's churn rate is flagged: its 95% interval is then
# typically wider than ±15 points, too wide to rank segments by.
MIN_TRUSTED_CUSTOMERS = 30
Z_95 = 1.959963984540054


class SegmentDimension(Enum):
    """A way to split the customer base."""

    SUBSCRIPTION_TYPE = "SUBSCRIPTION_TYPE"
    TENURE_BAND = "TENURE_BAND"
    DISCOUNT = "DISCOUNT"
    USAGE_DROP = "USAGE_DROP"
    PAYMENT_FAILURES = "PAYMENT_FAILURES"
    UNRESOLVED_TICKETS = "UNRESOLVED_TICKETS"


@dataclass(frozen=True)
class Band:
    """Values of a column from `lower` to `upper` inclusive (None: no upper end), under a label."""

    label: str
    lower: int
    upper: int | None


@dataclass(frozen=True)
class Split:
    """How a dimension splits: by a category column's values, or by bands of a numeric column."""

    column: str
    categories: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return self.categories or tuple(band.label for band in self.bands)


def _flag(column: str) -> Split:
    return Split(column, bands=(Band("no", 0, 0), Band("yes", 1, 1)))


def _counts(column: str, unit: str) -> Split:
    return Split(
        column,
        bands=(
            Band(f"0 {unit}", 0, 0),
            Band(f"1 {unit[:-1]}", 1, 1),
            Band(f"2 {unit}", 2, 2),
            Band(f"3+ {unit}", 3, None),
        ),
    )


SPLITS: dict[SegmentDimension, Split] = {
    SegmentDimension.SUBSCRIPTION_TYPE: Split(
        "subscription_type", categories=features.COLUMNS_BY_NAME["subscription_type"].categories
    ),
    SegmentDimension.TENURE_BAND: Split(
        "tenure_months",
        bands=(
            Band("0-6 months", 0, 6),
            Band("7-12 months", 7, 12),
            Band("13-24 months", 13, 24),
            Band("25-48 months", 25, 48),
            Band("49+ months", 49, None),
        ),
    ),
    SegmentDimension.DISCOUNT: _flag("discount_applied"),
    SegmentDimension.USAGE_DROP: _flag("usage_drop_flag"),
    SegmentDimension.PAYMENT_FAILURES: _counts("payment_failures", "failures"),
    SegmentDimension.UNRESOLVED_TICKETS: _counts("unresolved_tickets", "tickets"),
}


@dataclass(frozen=True)
class SegmentCounts:
    """What SQL counts in one segment."""

    label: str
    customers: int
    labelled: int
    churned: int
    scored: int
    probability_sum: float


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval of a proportion."""

    low: float
    high: float


@dataclass(frozen=True)
class Segment:
    """One segment of a dimension: its size, its observed churn with a 95% interval, its predicted risk."""

    label: str
    customers: int
    labelled: int
    churned: int
    churn_rate: float | None
    interval: Interval | None
    scored: int
    mean_probability: float | None
    too_small: bool


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of successes / trials; None with no trials."""
    if trials <= 0:
        return None
    share = successes / trials
    scale = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / scale
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / scale
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half))


def segment_of(counts: SegmentCounts) -> Segment:
    """A segment's statistics from its counts."""
    return Segment(
        label=counts.label,
        customers=counts.customers,
        labelled=counts.labelled,
        churned=counts.churned,
        churn_rate=counts.churned / counts.labelled if counts.labelled else None,
        interval=wilson_interval(counts.churned, counts.labelled),
        scored=counts.scored,
        mean_probability=counts.probability_sum / counts.scored if counts.scored else None,
        too_small=counts.labelled < MIN_TRUSTED_CUSTOMERS,
    )


@dataclass(frozen=True)
class RiskBin:
    """Scored customers whose probability lies in [lower, upper) (the last bin includes 1)."""

    lower: float
    upper: float
    customers: int


MAX_BINS = 100


@dataclass(frozen=True)
class TenureCounts:
    """Labelled customers at one tenure month: how many churned there and how many are still active."""

    tenure_month: int
    churned: int
    active: int


@dataclass(frozen=True)
class RetentionPoint:
    """The Kaplan-Meier estimate after a tenure month: share still retained, and the customers behind it."""

    tenure_month: int
    retained: float
    at_risk: int
    churned: int


def kaplan_meier(counts: Sequence[TenureCounts]) -> list[RetentionPoint]:
    """The survival curve with churn as the event and a still-active customer censored at its tenure.

    At each month t with n customers of tenure ≥ t, of whom d churned at t: S(t) = S(t-1) · (1 - d/n).
    """
    ordered = sorted(counts, key=lambda c: c.tenure_month)
    at_risk = sum(c.churned + c.active for c in ordered)
    retained = 1.0
    points = []
    for month in ordered:
        if at_risk > 0:
            retained *= 1 - month.churned / at_risk
        points.append(
            RetentionPoint(
                tenure_month=month.tenure_month, retained=retained, at_risk=at_risk, churned=month.churned
            )
        )
        at_risk -= month.churned + month.active
    return points
