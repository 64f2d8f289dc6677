"""A model version's held-out report as GraphQL types: metrics, curves, reliability, confusion at the tiers.

Read from the version's manifest (written at training), so none of it needs the model itself loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="A point of a curve.")
class CurvePoint:
    x: float = strawberry.field(description="ROC: false positive rate. PR: recall.")
    y: float = strawberry.field(description="ROC: true positive rate. PR: precision.")


@strawberry.type(description="Held-out customers whose predicted probability fell in [lower, upper).")
class ReliabilityBin:
    lower: float = strawberry.field(description="Lowest probability in the bin.")
    upper: float = strawberry.field(
        description="Probability where the next bin starts (the last includes 1)."
    )
    customers: int = strawberry.field(description="Held-out customers in the bin.")
    mean_predicted: float | None = strawberry.field(description="Their mean predicted probability.")
    observed_rate: float | None = strawberry.field(
        description="The share of them that churned; close to meanPredicted when calibrated."
    )


@strawberry.type(description="Churn predicted at or above a tier's threshold, against what happened.")
class ConfusionMatrix:
    tier: str = strawberry.field(description="HIGH or MEDIUM: the tier whose threshold this is.")
    threshold: float = strawberry.field(description="The probability threshold.")
    true_positives: int = strawberry.field(description="At or above it, and churned.")
    false_positives: int = strawberry.field(description="At or above it, and stayed.")
    true_negatives: int = strawberry.field(description="Below it, and stayed.")
    false_negatives: int = strawberry.field(description="Below it, and churned.")
    precision: float | None = strawberry.field(description="Churned among those at or above it.")
    recall: float | None = strawberry.field(description="Of those who churned, the share at or above it.")


@strawberry.type(description="How a model did on the held-out customers (never used in training).")
class ModelMetrics:
    rows: int = strawberry.field(description="Held-out customers.")
    roc_auc: float = strawberry.field(description="ROC AUC.")
    pr_auc: float = strawberry.field(description="PR AUC (average precision).")
    brier: float = strawberry.field(description="Brier score (lower is better).")
    log_loss: float = strawberry.field(description="Log loss (lower is better).")
    positive_rate: float = strawberry.field(description="Share of held-out customers who churned.")
    top_decile_lift: float = strawberry.field(
        description="Churn rate in the highest-scored tenth over the overall churn rate."
    )
    roc_curve: list[CurvePoint] = strawberry.field(description="ROC points, at most 101.")
    pr_curve: list[CurvePoint] = strawberry.field(description="Precision-recall points by rising recall.")
    reliability: list[ReliabilityBin] = strawberry.field(description="Ten equal-width probability bins.")
    confusion: list[ConfusionMatrix] = strawberry.field(
        description="At the HIGH and MEDIUM tier thresholds in force when the version was trained."
    )


@strawberry.type(description="One hyperparameter the search chose, or the calibration.")
class ModelParameter:
    name: str = strawberry.field(description="e.g. min_samples_leaf, max_features, calibration.")
    value: JSON | None = strawberry.field(description="Its value (null: not used, e.g. no calibration).")


def metrics_of(report: Mapping[str, Any]) -> ModelMetrics:
    """A manifest's evaluation report (retention.ml.evaluation.evaluate) as ModelMetrics."""
    return ModelMetrics(
        rows=int(report["rows"]),
        roc_auc=report["roc_auc"],
        pr_auc=report["pr_auc"],
        brier=report["brier"],
        log_loss=report["log_loss"],
        positive_rate=report["positive_rate"],
        top_decile_lift=report["top_decile_lift"],
        roc_curve=[CurvePoint(x=x, y=y) for x, y in report["roc_curve"]],
        pr_curve=[CurvePoint(x=x, y=y) for x, y in report["pr_curve"]],
        reliability=[
            ReliabilityBin(
                lower=b["low"],
                upper=b["high"],
                customers=b["count"],
                mean_predicted=b["mean_predicted"],
                observed_rate=b["observed_rate"],
            )
            for b in report["reliability"]
        ],
        confusion=[
            ConfusionMatrix(
                tier=tier.upper(),
                threshold=cell["threshold"],
                true_positives=cell["tp"],
                false_positives=cell["fp"],
                true_negatives=cell["tn"],
                false_negatives=cell["fn"],
                precision=cell["precision"],
                recall=cell["recall"],
            )
            for tier, cell in report["confusion"].items()
        ],
    )


def parameters_of(params: Mapping[str, Any]) -> list[ModelParameter]:
    """The chosen parameters, by name."""
    return [ModelParameter(name=name, value=value) for name, value in sorted(params.items())]
