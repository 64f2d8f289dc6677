"""GraphQL descriptions for the core's enums, which cannot import Strawberry themselves."""

from __future__ import annotations

from enum import Enum

import strawberry

from retention.records import RiskTier


def describe_enum(enum: type[Enum], description: str, values: dict[str, str]) -> None:
    """Register `enum` with GraphQL, described, with a description on every value (all are required).

    Strawberry may already have registered the enum while resolving an annotation; the definition it
    made is then described in place, so the schema never sees two definitions of one enum.
    """
    if set(values) != {member.name for member in enum}:
        raise ValueError(f"{enum.__name__}: describe exactly its values {[m.name for m in enum]}")
    if not hasattr(enum, "__strawberry_definition__"):
        strawberry.enum(enum)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    definition.description = description
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
