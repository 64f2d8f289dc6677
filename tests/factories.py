"""Test data built from the project's own generator, so fixtures never read files outside the repo."""

from __future__ import annotations

import numpy as np

from retention.features import FEATURE_NAMES
from retention.ml.matrix import Matrix, matrix_from_tuples
from retention.ml.pipeline import ForestParams
from seeds.generator import generate_chunks

SMALL_FOREST = ForestParams(n_estimators=25, min_samples_leaf=5)


def training_set(count: int, *, seed: int = 7) -> tuple[Matrix, np.ndarray]:
    """A feature matrix and churn labels for `count` generated customers."""
    (chunk,) = generate_chunks(count, seed=seed, chunk_size=count)
    rows = list(zip(*(chunk.columns[name].tolist() for name in FEATURE_NAMES), strict=True))
    return matrix_from_tuples(rows), np.asarray(chunk.columns["churn"], dtype=np.int_)


def profile_rows(count: int, *, seed: int = 7, first_index: int = 1) -> list[dict[str, object]]:
    """Generated customers as the importer hands them to storage (plain Python values)."""
    (chunk,) = generate_chunks(count, seed=seed, chunk_size=max(count, 1), first_index=first_index)
    names = list(chunk.columns)
    columns = [chunk.columns[name].tolist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
