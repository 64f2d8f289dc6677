"""The one declared customer schema.

Every other layer derives from this module: database columns, CSV validation, GraphQL inputs,
model columns and the sentences that explain a score. Adding a feature here is the whole change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    """What a column is for; only FEATURE columns ever reach the model."""

    IDENTIFIER = "identifier"
    FEATURE = "feature"
    LABEL = "label"
    LEGACY_SCORE = "legacy_score"


class Kind(Enum):
    """How a column's value is typed."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    FLAG = "flag"
    CATEGORY = "category"


@dataclass(frozen=True)
class Column:
    """One column of the original system's CSV export, in its declared order."""

    name: str
    kind: Kind
    role: Role
    label: str
    description: str
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    categories: tuple[str, ...] = ()
    required: bool = True
    # How a driver reads in a sentence, e.g. "last login {value} days ago".
    phrase: str = ""

    def describe_value(self, value: float | int | str) -> str:
        """A readable phrase for this column at a given value."""
        if self.kind is Kind.FLAG:
            return self.phrase.format(value="yes" if int(value) else "no")
        if self.kind is Kind.FLOAT:
            return self.phrase.format(value=f"{float(value):,.1f}")
        return self.phrase.format(value=value)

    @property
    def is_numeric(self) -> bool:
        """True for columns stored and modelled as numbers."""
        return self.kind in (Kind.INT, Kind.FLOAT, Kind.FLAG)


SUBSCRIPTION_TYPES: tuple[str, ...] = ("Basic", "Standard", "Premium")

COLUMNS: tuple[Column, ...] = (
    Column(
        "customer_id",
        Kind.TEXT,
        Role.IDENTIFIER,
        "Customer ID",
        "The customer's id in the source system, e.g. CUST0001.",
        max_length=64,
    ),
    Column("name", Kind.TEXT, Role.IDENTIFIER, "Name", "The customer's name.", max_length=200),
    Column("email", Kind.TEXT, Role.IDENTIFIER, "Email", "The customer's email address.", max_length=254),
    Column(
        "tenure_months",
        Kind.INT,
        Role.FEATURE,
        "Tenure",
        "Months since the customer subscribed.",
        unit="months",
        minimum=0,
        maximum=1200,
        phrase="customer for {value} months",
    ),
    Column(
        "last_login_days",
        Kind.INT,
        Role.FEATURE,
        "Days since last login",
        "Days since the customer last logged in.",
        unit="days",
        minimum=0,
        maximum=3650,
        phrase="last login {value} days ago",
    ),
    Column(
        "login_frequency",
        Kind.INT,
        Role.FEATURE,
        "Logins per month",
        "Logins in the last month.",
        unit="logins",
        minimum=0,
        maximum=10000,
        phrase="{value} logins a month",
    ),
    Column(
        "avg_session_duration",
        Kind.FLOAT,
        Role.FEATURE,
        "Average session",
        "Average session length in minutes.",
        unit="minutes",
        minimum=0,
        maximum=1440,
        phrase="average session {value} minutes",
    ),
    Column(
        "feature_usage_count",
        Kind.INT,
        Role.FEATURE,
        "Features used",
        "Distinct product features used in the last month.",
        unit="features",
        minimum=0,
        maximum=100000,
        phrase="uses {value} features",
    ),
    Column(
        "monthly_active_days",
        Kind.INT,
        Role.FEATURE,
        "Active days per month",
        "Days active in the last month.",
        unit="days",
        minimum=0,
        maximum=31,
        phrase="active {value} days a month",
    ),
    Column(
        "usage_drop_flag",
        Kind.FLAG,
        Role.FEATURE,
        "Usage dropped",
        "1 when usage fell sharply against the previous period.",
        minimum=0,
        maximum=1,
        phrase="usage dropped: {value}",
    ),
    Column(
        "subscription_type",
        Kind.CATEGORY,
        Role.FEATURE,
        "Plan",
        "Subscription plan.",
        categories=SUBSCRIPTION_TYPES,
        phrase="{value} plan",
    ),
    Column(
        "monthly_charges",
        Kind.FLOAT,
        Role.FEATURE,
        "Monthly charges",
        "Amount billed each month.",
        unit="currency",
        minimum=0,
        maximum=1_000_000,
        phrase="pays {value} a month",
    ),
    Column(
        "payment_failures",
        Kind.INT,
        Role.FEATURE,
        "Payment failures",
        "Failed payments in the recent billing history.",
        unit="failures",
        minimum=0,
        maximum=1000,
        phrase="{value} failed payments",
    ),
    Column(
        "discount_applied",
        Kind.FLAG,
        Role.FEATURE,
        "Discount applied",
        "1 when the customer pays a discounted price.",
        minimum=0,
        maximum=1,
        phrase="on a discount: {value}",
    ),
    Column(
        "support_ticket_count",
        Kind.INT,
        Role.FEATURE,
        "Support tickets",
        "Support tickets opened.",
        unit="tickets",
        minimum=0,
        maximum=10000,
        phrase="{value} support tickets",
    ),
    Column(
        "unresolved_tickets",
        Kind.INT,
        Role.FEATURE,
        "Unresolved tickets",
        "Support tickets still open.",
        unit="tickets",
        minimum=0,
        maximum=10000,
        phrase="{value} unresolved tickets",
    ),
    Column(
        "churn",
        Kind.FLAG,
        Role.LABEL,
        "Churned",
        "1 when the customer has left; the label the model learns.",
        minimum=0,
        maximum=1,
        required=False,
    ),
    Column(
        "health_score",
        Kind.INT,
        Role.LEGACY_SCORE,
        "Legacy health score",
        "The old system's rule-based score (0-100). Kept for reference; never a model input, "
        "because it is derived from the other columns by hand-written rules, not observed.",
        minimum=0,
        maximum=100,
        required=False,
    ),
)

COLUMNS_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}
CSV_HEADER: tuple[str, ...] = tuple(column.name for column in COLUMNS)
FEATURES: tuple[Column, ...] = tuple(c for c in COLUMNS if c.role is Role.FEATURE)
FEATURE_NAMES: tuple[str, ...] = tuple(c.name for c in FEATURES)
PROFILE_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.name != "customer_id")
EXCLUDED_FROM_MODEL: dict[str, str] = {c.name: c.description for c in COLUMNS if c.role is not Role.FEATURE}


def category_code(column: Column, value: str) -> int:
    """The model's numeric code for a category (its position in the declared order)."""
    return column.categories.index(value)
