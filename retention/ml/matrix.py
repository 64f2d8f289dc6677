"""The model's input: declared FEATURE columns only, in declared order, as float64."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from retention import features
from retention.features import Kind
from retention.records import Value

Matrix = npt.NDArray[np.float64]
MODEL_COLUMNS: tuple[features.Column, ...] = features.FEATURES
CATEGORY_INDEXES: tuple[int, ...] = tuple(i for i, c in enumerate(MODEL_COLUMNS) if c.kind is Kind.CATEGORY)


def _encode(column: features.Column, value: Any) -> float:
    if column.kind is Kind.CATEGORY:
        return float(features.category_code(column, str(value)))
    return float(value)


def matrix_from_tuples(rows: Sequence[Sequence[Any]]) -> Matrix:
    """Rows whose items are the FEATURE values in declared order (as the storage layer streams them)."""
    matrix = np.empty((len(rows), len(MODEL_COLUMNS)), dtype=np.float64)
    for j, column in enumerate(MODEL_COLUMNS):
        if column.kind is Kind.CATEGORY:
            codes = {name: float(i) for i, name in enumerate(column.categories)}
            matrix[:, j] = [codes[row[j]] for row in rows]
        else:
            matrix[:, j] = [row[j] for row in rows]
    return matrix


def matrix_from_profiles(profiles: Sequence[Mapping[str, Value]]) -> Matrix:
    """Profiles keyed by column name (identifiers and label are ignored, never read)."""
    return np.array(
        [[_encode(column, profile[column.name]) for column in MODEL_COLUMNS] for profile in profiles],
        dtype=np.float64,
    ).reshape(len(profiles), len(MODEL_COLUMNS))
