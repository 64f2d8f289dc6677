"""Exact per-customer explanations: each tree's root-to-leaf path, decomposed by feature.

Walking a tree from its root, every split moves the predicted churn rate from the parent's value to the
child's; crediting that change to the split's feature makes base value + contributions equal the tree's
prediction exactly. A leaf fixes its whole path, so the contributions of every leaf are computed once
per model and a customer's explanation is a lookup of the leaves it lands in (measured in
bench/explain.py against SHAP's TreeExplainer). A sigmoid calibration on top is spread over the
contributions in proportion, so they still add up to the calibrated probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.tree._tree import Tree

from retention.ml.forest_parts import ForestParts, Vector
from retention.ml.matrix import MODEL_COLUMNS, Matrix


@dataclass(frozen=True)
class Explanations:
    """Probabilities of a batch and each feature's share of them (columns in MODEL_COLUMNS order)."""

    base_value: float
    probabilities: Vector
    contributions: Matrix


def _declared_owner(parts: ForestParts) -> npt.NDArray[np.int_]:
    """For each encoded column, the declared feature it came from (one-hot columns share one owner)."""
    owner = np.empty(sum(len(o) for o in _encoded_blocks(parts)), dtype=np.int_)
    position = 0
    for block in _encoded_blocks(parts):
        owner[position : position + len(block)] = block
        position += len(block)
    return owner


def _encoded_blocks(parts: ForestParts) -> list[list[int]]:
    blocks: list[list[int]] = []
    for name, transformer, columns in parts.encode.transformers_:
        if transformer == "drop":
            continue
        width = parts.encode.output_indices_[name].stop - parts.encode.output_indices_[name].start
        if len(columns) == width:
            # passed through (the remainder): one output column per input column
            blocks.append([int(c) for c in columns])
        else:
            (column,) = columns  # one-hot: every output column belongs to the one input column
            blocks.append([int(column)] * width)
    return blocks


def _leaf_contributions(
    tree: Tree, owner: npt.NDArray[np.int_]
) -> tuple[npt.NDArray[np.int_], Matrix, Vector]:
    """(leaf node ids, per-feature path contributions of each leaf, each leaf's churn rate)."""
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    # Classifier trees store class fractions per node (scikit-learn >= 1.4).
    rate = tree.value[:, 0, 1].astype(np.float64)
    contributions = np.zeros((tree.node_count, len(MODEL_COLUMNS)), dtype=np.float64)
    frontier = np.array([0])
    while frontier.size:
        internal = frontier[left[frontier] >= 0]
        children = np.concatenate([left[internal], right[internal]])
        parents = np.concatenate([internal, internal])
        contributions[children] = contributions[parents]
        contributions[children, owner[feature[parents]]] += rate[children] - rate[parents]
        frontier = children
    leaves = np.flatnonzero(left < 0)
    return leaves, contributions[leaves], rate[leaves]


BATCH_ROWS = 256


class ForestExplainer:
    """Per-customer contributions for one fitted model, precomputed per leaf."""

    def __init__(self, parts: ForestParts) -> None:
        self.parts = parts
        owner = _declared_owner(parts)
        trees = [estimator.tree_ for estimator in parts.forest.estimators_]
        self._trees = trees
        self._row_of_leaf: list[npt.NDArray[np.int_]] = []
        tables, rates = [], []
        offset = 0
        for tree in trees:
            leaves, table, rate = _leaf_contributions(tree, owner)
            row_of = np.full(tree.node_count, -1, dtype=np.int_)
            row_of[leaves] = np.arange(offset, offset + len(leaves))
            self._row_of_leaf.append(row_of)
            tables.append(table)
            rates.append(rate)
            offset += len(leaves)
        self._table = np.vstack(tables)
        self._rates = np.concatenate(rates)
        self._raw_base = float(np.mean([tree.value[0, 0, 1] for tree in trees]))
        self.base_value = float(parts.calibrate(np.array([self._raw_base]))[0])

    def _leaves(self, encoded: Matrix) -> npt.NDArray[np.int_]:
        if len(encoded) >= BATCH_ROWS:
            return np.asarray(self.parts.forest.apply(encoded))
        # For a few rows, the forest's input checks and thread pool cost more than the trees themselves.
        rows = np.ascontiguousarray(encoded, dtype=np.float32)
        return np.column_stack([tree.apply(rows) for tree in self._trees])

    def explain(self, matrix: Matrix) -> Explanations:
        """Probabilities and contributions: base_value + row sum of contributions = probability."""
        leaves = self._leaves(self.parts.encode.transform(matrix))
        n_rows, n_trees = leaves.shape
        rows = np.empty(leaves.shape, dtype=np.int_)  # C order, so ravel below is free
        for t, row_of in enumerate(self._row_of_leaf):
            rows[:, t] = row_of[leaves[:, t]]
        # Every customer lands in exactly one leaf per tree: a sparse average over the leaf tables.
        weights = sparse.csr_matrix(
            (np.full(rows.size, 1.0 / n_trees), rows.ravel(), np.arange(0, rows.size + 1, n_trees)),
            shape=(n_rows, self._table.shape[0]),
        )
        raw_contributions = np.asarray(weights @ self._table)
        raw = np.asarray(weights @ self._rates).ravel()
        probabilities = self.parts.calibrate(raw)
        if self.parts.calibration is None:
            return Explanations(self.base_value, raw, raw_contributions)
        moved = raw - self._raw_base
        safe = np.where(np.abs(moved) > 1e-15, moved, 1.0)
        scale = np.where(np.abs(moved) > 1e-15, (probabilities - self.base_value) / safe, 0.0)
        return Explanations(self.base_value, probabilities, raw_contributions * scale[:, None])
