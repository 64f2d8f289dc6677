"""Test data built from the project's own generator, so fixtures never read files outside the repo."""

from __future__ import annotations

import numpy as np

from retention.features import COLUMNS, FEATURE_NAMES, Kind
from retention.ml.matrix import Matrix, matrix_from_tuples
from retention.ml.search import SearchSpace
from retention.ml.training import TrainingData
from retention.risk import RiskPolicy
from seeds.generator import generate_chunks

# Two candidates, few trees: exercises search and calibration in well under a second.
SMALL_SEARCH = SearchSpace(min_samples_leaf=(5, 20), max_features=("sqrt",), search_trees=10, final_trees=25)
POLICY = RiskPolicy(high=0.5, medium=0.2)


def training_set(count: int, *, seed: int = 7) -> tuple[Matrix, np.ndarray]:
    """A feature matrix and churn labels for `count` generated customers."""
    data = training_data(count, seed=seed)
    return data.matrix, data.labels


def training_data(count: int, *, seed: int = 7) -> TrainingData:
    """Generated customers as training sees them, with their true churn probabilities."""
    (chunk,) = generate_chunks(count, seed=seed, chunk_size=count)
    rows = list(zip(*(chunk.columns[name].tolist() for name in FEATURE_NAMES), strict=True))
    return TrainingData(
        matrix=matrix_from_tuples(rows),
        labels=np.asarray(chunk.columns["churn"], dtype=np.int_),
        true_probability=chunk.true_probability,
    )


def profile_rows(count: int, *, seed: int = 7, first_index: int = 1) -> list[dict[str, object]]:
    """Generated customers as the importer hands them to storage (plain Python values)."""
    (chunk,) = generate_chunks(count, seed=seed, chunk_size=max(count, 1), first_index=first_index)
    names = list(chunk.columns)
    columns = [chunk.columns[name].tolist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def customer_inputs(count: int, *, seed: int, prefix: str, **change: object) -> list[dict[str, object]]:
    """Generated customers as GraphQL `CustomerInput` values: camelCase names, flags as booleans, ids
    `{prefix}-0`, `{prefix}-1`…, each with `change` (camelCase names) applied."""
    from strawberry.utils.str_converters import to_camel_case

    flags = {to_camel_case(column.name) for column in COLUMNS if column.kind is Kind.FLAG}
    inputs = []
    for i, row in enumerate(profile_rows(count, seed=seed)):
        item: dict[str, object] = {to_camel_case(name): value for name, value in row.items()}
        item["customerId"] = f"{prefix}-{i}"
        item.update(change)
        for flag in flags & item.keys():
            if item[flag] is not None:
                item[flag] = bool(item[flag])
        inputs.append(item)
    return inputs
