"""Held-out metrics, the evaluation report kept with each model, and permutation-based global drivers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from retention.errors import InvalidInput
from retention.ml.curves import pr_points, reliability_bins, roc_points
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.pipeline import RANDOM_SEED
from retention.records import Driver

Labels = npt.NDArray[np.int_]
Probabilities = npt.NDArray[np.float64]
# Permutation importance repeats a full prediction per feature and repeat; a sample keeps it bounded.
IMPORTANCE_SAMPLE = 5000


def classification_metrics(labels: Labels, probabilities: npt.NDArray[np.float64]) -> dict[str, float]:
    """ROC AUC, PR AUC, Brier and log loss of probabilities against labels."""
    return {
        "roc_auc": float(roc_auc_score(labels, probabilities)),
        "pr_auc": float(average_precision_score(labels, probabilities)),
        "brier": float(brier_score_loss(labels, probabilities)),
        "log_loss": float(log_loss(labels, probabilities, labels=[0, 1])),
        "positive_rate": float(np.mean(labels)),
    }


def permutation_drivers(pipeline: Pipeline, matrix: Matrix, labels: Labels) -> list[Driver]:
    """Global drivers: mean drop in held-out ROC AUC when a feature is shuffled, most important first."""
    rng = np.random.default_rng(RANDOM_SEED)
    if len(labels) > IMPORTANCE_SAMPLE:
        keep = rng.choice(len(labels), IMPORTANCE_SAMPLE, replace=False)
        matrix, labels = matrix[keep], labels[keep]
    result = permutation_importance(
        pipeline, matrix, labels, scoring="roc_auc", n_repeats=5, random_state=RANDOM_SEED, n_jobs=1
    )
    drivers = [
        Driver(feature=column.name, label=column.label, importance=float(result.importances_mean[j]))
        for j, column in enumerate(MODEL_COLUMNS)
    ]
    return sorted(drivers, key=lambda d: d.importance, reverse=True)


def evaluate(
    labels: Labels,
    probabilities: Probabilities,
    *,
    tier_high: float,
    tier_medium: float,
    true_probability: Probabilities | None = None,
) -> dict[str, Any]:
    """The JSON-ready held-out report: metrics, lift, confusion at the tiers, curves, reliability."""
    labels, probabilities = _checked(labels, probabilities, "probabilities")
    report: dict[str, Any] = {
        **classification_metrics(labels, probabilities),
        "rows": len(labels),
        "top_decile_lift": top_decile_lift(labels, probabilities),
        "confusion": {
            "high": confusion_at(labels, probabilities, tier_high),
            "medium": confusion_at(labels, probabilities, tier_medium),
        },
        "roc_curve": roc_points(labels, probabilities),
        "pr_curve": pr_points(labels, probabilities),
        "reliability": reliability_bins(labels, probabilities),
    }
    if true_probability is not None:
        _, truth = _checked(labels, true_probability, "true_probability")
        best_auc = float(roc_auc_score(labels, truth))
        best_brier = float(brier_score_loss(labels, truth))
        report["best_achievable"] = {
            "roc_auc": best_auc,
            "brier": best_brier,
            "auc_ratio": report["roc_auc"] / best_auc,
            # Only a truth of exact 0s and 1s scores a Brier of 0; no ratio to that exists.
            "brier_ratio": report["brier"] / best_brier if best_brier > 0 else None,
        }
    return report


def top_decile_lift(labels: Labels, probabilities: Probabilities) -> float:
    """Churn rate among the highest-scored tenth of rows over the overall churn rate."""
    top = math.ceil(len(labels) / 10)
    # A stable sort makes ties deterministic: among equal scores the earlier row is taken.
    order = np.argsort(-probabilities, kind="stable")[:top]
    return float(np.mean(labels[order]) / np.mean(labels))


def confusion_at(labels: Labels, probabilities: Probabilities, threshold: float) -> dict[str, Any]:
    """Counts, precision and recall when churn is predicted at or above `threshold` (as the tiers do)."""
    predicted = probabilities >= threshold
    actual = labels == 1
    tp = int(np.sum(predicted & actual))
    fp = int(np.sum(predicted & ~actual))
    fn = int(np.sum(~predicted & actual))
    tn = int(np.sum(~predicted & ~actual))
    return {
        "threshold": float(threshold),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
    }


def report_lines(name: str, report: dict[str, Any]) -> list[str]:
    """The report as a few lines of text for the CLI."""
    lines = [
        f"{name}: ROC AUC {report['roc_auc']:.4f}  PR AUC {report['pr_auc']:.4f}  "
        f"Brier {report['brier']:.4f}  log loss {report['log_loss']:.4f}",
        f"  {report['rows']} held-out rows, {report['positive_rate']:.1%} churned; "
        f"top-decile lift {report['top_decile_lift']:.2f}x",
    ]
    for tier, cell in report["confusion"].items():
        lines.append(
            f"  {tier} (p >= {cell['threshold']:.2f}): precision {_share(cell['precision'])}, "
            f"recall {_share(cell['recall'])}  (tp {cell['tp']}, fp {cell['fp']}, "
            f"fn {cell['fn']}, tn {cell['tn']})"
        )
    best = report.get("best_achievable")
    if best is not None:
        brier_ratio = "n/a" if best["brier_ratio"] is None else f"{best['brier_ratio']:.3f}"
        lines.append(
            f"  best achievable: ROC AUC {best['roc_auc']:.4f} (model/best {best['auc_ratio']:.3f}), "
            f"Brier {best['brier']:.4f} (model/best {brier_ratio})"
        )
    return lines


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _checked(labels: Labels, values: Probabilities, name: str) -> tuple[Labels, Probabilities]:
    labels = np.asarray(labels, dtype=np.int_)
    values = np.asarray(values, dtype=np.float64)
    if labels.ndim != 1 or values.shape != labels.shape:
        raise InvalidInput(f"{name} needs one value per label: got {values.shape} for {labels.shape} labels")
    if set(np.unique(labels).tolist()) != {0, 1}:
        raise InvalidInput("evaluation needs churned (1) and retained (0) rows, and no other labels")
    if not np.all((values >= 0.0) & (values <= 1.0)):
        raise InvalidInput(f"{name} must lie in [0, 1] (NaN is not a probability)")
    return labels, values
