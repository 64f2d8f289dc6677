"""GraphQL descriptions for the core's enums, which cannot import Strawberry themselves."""

from __future__ import annotations

from enum import Enum

import strawberry

from retention.features import Kind, Role
from retention.listing import CustomerSortField, SortDirection
from retention.records import RiskTier
from retention.segments import SegmentDimension
from retention.services.jobs import JobKind, JobState


def describe_enum(
    enum: type[Enum], description: str, values: dict[str, str], *, name: str | None = None
) -> None:
    """Register `enum` with GraphQL, described, with a description on every value (all are required).

    Strawberry may already have registered the enum while resolving an annotation; the definition it
    made is then described in place, so the schema never sees two definitions of one enum.
    """
    if set(values) != {member.name for member in enum}:
        raise ValueError(f"{enum.__name__}: describe exactly its values {[m.name for m in enum]}")
    if not hasattr(enum, "__strawberry_definition__"):
        strawberry.enum(enum, name=name)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    definition.description = description
    if name is not None:
        definition.name = name
    for value in definition.values:
        value.description = values[value.name]


def describe_core_enums() -> None:
    """Describe every core enum the schema shows; idempotent, called as the schema is built."""
    describe_enum(
        RiskTier,
        "Risk band by the configured probability thresholds (RETENTION_TIER_HIGH, RETENTION_TIER_MEDIUM).",
        {
            "HIGH": "Probability at or above the HIGH threshold.",
            "MEDIUM": "Probability at or above the MEDIUM threshold and below the HIGH one.",
            "LOW": "Probability below the MEDIUM threshold.",
        },
    )
    describe_enum(
        CustomerSortField,
        "What the customers listing is ordered by.",
        {
            "SCORE": "The latest churn probability; unscored customers last.",
            "EXPECTED_LOSS": "Probability × monthly charges: the revenue a month the churn would cost; "
            "unscored customers last.",
            "TENURE": "Months since the customer subscribed.",
            "MONTHLY_CHARGES": "Amount billed each month.",
            "LAST_LOGIN": "Days since the last login.",
            "NAME": "The customer's name, in the database's collation.",
        },
    )
    describe_enum(
        SortDirection,
        "Which way an order runs.",
        {"ASC": "Smallest first.", "DESC": "Largest first."},
    )
    describe_enum(
        Kind,
        "How a declared column's value is typed.",
        {
            "TEXT": "Free text, up to maxLength characters.",
            "INT": "A whole number between minimum and maximum.",
            "FLOAT": "A number between minimum and maximum.",
            "FLAG": "Yes or no: a Boolean in GraphQL, 0/1 in the CSV export.",
            "CATEGORY": "One of the listed categories.",
        },
        name="FeatureKind",
    )
    describe_enum(
        Role,
        "What a declared column is for.",
        {
            "IDENTIFIER": "Names the customer (id, name, email); never a model input.",
            "FEATURE": "A model input.",
            "LABEL": "Whether the customer churned: what the model learns; never an input.",
            "LEGACY_SCORE": "The old system's hand-made score, kept for reference; never an input.",
        },
        name="FeatureRole",
    )
    describe_enum(
        SegmentDimension,
        "A way to split the customer base for churnBySegment.",
        {
            "SUBSCRIPTION_TYPE": "By plan.",
            "TENURE_BAND": "By months since subscribing: 0-6, 7-12, 13-24, 25-48, 49+.",
            "DISCOUNT": "Whether the customer pays a discounted price.",
            "USAGE_DROP": "Whether usage fell sharply against the previous period.",
            "PAYMENT_FAILURES": "By failed payments: 0, 1, 2, 3+.",
            "UNRESOLVED_TICKETS": "By support tickets still open: 0, 1, 2, 3+.",
        },
    )
    describe_enum(
        JobKind,
        "What a background job does.",
        {
            "RESCORE": "Scores every customer with the model served when it runs (a new snapshot each).",
            "TRAIN": "Trains a new model version on the labelled customers.",
        },
    )
    describe_enum(
        JobState,
        "Where a background job is.",
        {
            "QUEUED": "Waiting for a worker; jobs run one at a time per server process, oldest first.",
            "RUNNING": "A worker is on it; progress says how far.",
            "SUCCEEDED": "Done; result says what it did.",
            "FAILED": "Stopped; error says why.",
        },
    )
