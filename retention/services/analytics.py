"""Portfolio figures for analysts, each one SQL aggregate, kept for the data version it describes."""

from __future__ import annotations

from sqlalchemy import Engine

from retention.errors import InvalidInput
from retention.ml.artifacts import Manifest
from retention.records import Overview
from retention.segments import (
    MAX_BINS,
    SPLITS,
    RetentionPoint,
    RiskBin,
    Segment,
    SegmentDimension,
    kaplan_meier,
    segment_of,
)
from retention.services.analytics_cache import cached
from retention.storage import analytics as store
from retention.storage import segments as segment_store


def overview(*, engine: Engine) -> Overview:
    """Customers, churn, revenue at risk and the tier split, from the latest scores."""

    def compute() -> Overview:
        with engine.connect() as connection:
            return store.overview(connection)

    return cached(engine, "overview", Overview, compute)


def risk_distribution(*, engine: Engine, bins: int) -> list[RiskBin]:
    """Scored customers in `bins` equal-width probability bins from 0 to 1."""
    if not 1 <= bins <= MAX_BINS:
        raise InvalidInput(f"bins must be between 1 and {MAX_BINS} (got {bins})")

    def compute() -> list[RiskBin]:
        with engine.connect() as connection:
            return segment_store.risk_bins(connection, bins)

    return cached(engine, f"risk_distribution:{bins}", list[RiskBin], compute)


def churn_by_segment(*, engine: Engine, dimension: SegmentDimension) -> list[Segment]:
    """Observed churn (with 95% Wilson intervals) and mean predicted risk per segment of `dimension`."""

    def compute() -> list[Segment]:
        with engine.connect() as connection:
            counts = segment_store.segment_counts(connection, SPLITS[dimension])
        return [segment_of(c) for c in counts]

    return cached(engine, f"segments:{dimension.value}", list[Segment], compute)


def churn_by_decile(*, engine: Engine, manifest: Manifest, feature: str) -> list[Segment]:
    """Observed churn and mean predicted risk per band of `feature` cut at the model's training deciles."""
    edges = manifest.deciles.get(feature)
    if edges is None:
        numeric = ", ".join(sorted(manifest.deciles)) or "none: retrain to keep them"
        raise InvalidInput(
            f"feature: {feature!r} has no deciles in model {manifest.version} (numeric features: {numeric})"
        )

    def compute() -> list[Segment]:
        with engine.connect() as connection:
            counts = segment_store.edge_counts(connection, feature, edges)
        return [segment_of(c) for c in counts]

    return cached(engine, f"deciles:{manifest.version}:{feature}", list[Segment], compute)


def retention_curve(*, engine: Engine) -> list[RetentionPoint]:
    """The Kaplan-Meier share of labelled customers retained at each tenure month."""

    def compute() -> list[RetentionPoint]:
        with engine.connect() as connection:
            counts = segment_store.tenure_counts(connection)
        return kaplan_meier(counts)

    return cached(engine, "retention_curve", list[RetentionPoint], compute)


def warm(*, engine: Engine, manifest: Manifest | None, bins: tuple[int, ...] = (10, 20)) -> None:
    """Compute every usual answer that is not kept for the data as it is now."""
    overview(engine=engine)
    for count in bins:
        risk_distribution(engine=engine, bins=count)
    for dimension in SegmentDimension:
        churn_by_segment(engine=engine, dimension=dimension)
    retention_curve(engine=engine)
    if manifest is not None:
        for feature in manifest.deciles:
            churn_by_decile(engine=engine, manifest=manifest, feature=feature)
