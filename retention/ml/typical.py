"""A typical customer of the training rows: what a what-if starts from when no customer is chosen."""

from __future__ import annotations

import numpy as np

from retention.features import Kind
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.records import Value


def typical_profile(matrix: Matrix) -> dict[str, Value]:
    """Each feature's median (numbers, rounded as the column holds them) or most common value (flags,
    categories), by column name. Medians of valid rows stay inside every declared range."""
    profile: dict[str, Value] = {}
    for j, column in enumerate(MODEL_COLUMNS):
        values = matrix[:, j]
        if column.kind is Kind.CATEGORY:
            counts = np.bincount(values.astype(np.int64), minlength=len(column.categories))
            profile[column.name] = column.categories[int(np.argmax(counts))]
        elif column.kind is Kind.FLAG:
            profile[column.name] = int(np.mean(values) >= 0.5)
        elif column.kind is Kind.INT:
            profile[column.name] = int(np.round(np.median(values)))
        else:
            profile[column.name] = round(float(np.median(values)), 2)
    return profile


DECILES = tuple(q / 10 for q in range(1, 10))


def feature_deciles(matrix: Matrix) -> dict[str, list[float]]:
    """Each numeric feature's training deciles, as ascending distinct edges, by column name: the bands
    "churn rate by decile" counts the live customers in."""
    edges: dict[str, list[float]] = {}
    for j, column in enumerate(MODEL_COLUMNS):
        if column.kind in (Kind.INT, Kind.FLOAT):
            found = np.unique(np.quantile(matrix[:, j], DECILES))
            edges[column.name] = [round(float(edge), 6) for edge in found]
    return edges
