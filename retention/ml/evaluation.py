"""Held-out metrics and permutation-based global drivers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.pipeline import RANDOM_SEED
from retention.records import Driver

Labels = npt.NDArray[np.int_]
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
