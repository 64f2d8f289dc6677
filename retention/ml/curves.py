"""ROC and precision-recall curve points and reliability bins, small enough to keep in a manifest."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import precision_recall_curve, roc_curve

Labels = npt.NDArray[np.int_]
Probabilities = npt.NDArray[np.float64]
Point = list[float]

MAX_CURVE_POINTS = 101
CURVE_DECIMALS = 5
RELIABILITY_BINS = 10


def downsample(xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> list[Point]:
    """At most MAX_CURVE_POINTS of the curve's own points, spread evenly along its length, ends kept."""
    if len(xs) <= MAX_CURVE_POINTS:
        keep = np.arange(len(xs))
    else:
        # Even spacing along the path, not along the threshold list: a curve's steep stretches hold few
        # thresholds but most of its shape. Picking existing points (never interpolating) keeps the
        # curve's x monotone and every point one a threshold actually reaches.
        length = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))))
        targets = np.linspace(0.0, length[-1], MAX_CURVE_POINTS)
        keep = np.searchsorted(length, targets, side="left").clip(0, len(xs) - 1)
        keep[0], keep[-1] = 0, len(xs) - 1
        keep = np.unique(keep)
    return [
        [round(float(x), CURVE_DECIMALS), round(float(y), CURVE_DECIMALS)]
        for x, y in zip(xs[keep], ys[keep], strict=True)
    ]


def roc_points(labels: Labels, probabilities: Probabilities) -> list[Point]:
    """`[fpr, tpr]` from (0, 0) to (1, 1)."""
    fpr, tpr, _ = roc_curve(labels, probabilities)
    return downsample(np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64))


def pr_points(labels: Labels, probabilities: Probabilities) -> list[Point]:
    """`[recall, precision]` by rising recall, from (0, 1) to (1, positive rate)."""
    precision, recall, _ = precision_recall_curve(labels, probabilities)
    # scikit-learn lists the points by falling recall; a chart reads them left to right.
    return downsample(
        np.asarray(recall[::-1], dtype=np.float64), np.asarray(precision[::-1], dtype=np.float64)
    )


def reliability_bins(labels: Labels, probabilities: Probabilities) -> list[dict[str, Any]]:
    """Equal-width bins over [0, 1]: rows, mean predicted probability and observed churn rate in each."""
    edges = np.arange(RELIABILITY_BINS + 1) / RELIABILITY_BINS
    # Compared against the edges, not p * 10 truncated: that rounds a hair below 0.9 up into the 0.9 bin.
    # p = 1.0 belongs in the last bin, not an eleventh one.
    index = np.minimum(np.searchsorted(edges, probabilities, side="right") - 1, RELIABILITY_BINS - 1)
    counts = np.bincount(index, minlength=RELIABILITY_BINS)
    predicted = np.bincount(index, weights=probabilities, minlength=RELIABILITY_BINS)
    observed = np.bincount(index, weights=labels.astype(np.float64), minlength=RELIABILITY_BINS)
    bins: list[dict[str, Any]] = []
    for i in range(RELIABILITY_BINS):
        count = int(counts[i])
        bins.append(
            {
                "low": float(edges[i]),
                "high": float(edges[i + 1]),
                "count": count,
                "mean_predicted": float(predicted[i] / count) if count else None,
                "observed_rate": float(observed[i] / count) if count else None,
            }
        )
    return bins
