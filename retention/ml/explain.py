"""Exact per-customer explanations: each tree's root-to-leaf path, decomposed by feature.

Walking a tree from its root, every split moves the predicted churn rate from the parent's value to the
child's; crediting that change to the split's feature makes base value + contributions equal the tree's
prediction exactly. A leaf fixes its whole path, so the contributions of every leaf are computed once
per model and a customer's explanation is a lookup of the leaves it lands in (measured in
bench/explain.py against SHAP's TreeExplainer). A sigmoid calibration on top is spread over the
contributions in proportion, so they still add up to the calibrated probability.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.tree._tree import Tree

from retention.ml.forest_parts import ForestParts, Vector
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.stacked import FastEncoder, StackedTrees, summed_in_groups


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


# From this many rows a batch is split over threads (for fewer, starting them costs more than it saves).
BATCH_ROWS = 256
TREE_GROUPS = 4
# Up to this many rows (a what-if and its actions, one customer) descend every tree at once; the
# (rows × trees × features) gather it makes grows with the batch, so larger ones go tree by tree.
STACKED_ROWS = 32


class ForestExplainer:
    """Per-customer contributions for one fitted model, precomputed per leaf."""

    def __init__(self, parts: ForestParts) -> None:
        self.parts = parts
        owner = _declared_owner(parts)
        trees = [estimator.tree_ for estimator in parts.forest.estimators_]
        self._trees = trees
        # Per tree, node id → row of that tree's own leaf table; int32 halves the memory of the mapping.
        self._row_of_leaf: list[npt.NDArray[np.int32]] = []
        # Per tree, one row per leaf: its contribution to every feature, then the leaf's churn rate, so
        # one gather fetches both. A batch reads one tree's rows at a time (cache-resident) instead of
        # hopping across all of them for every customer; the rows of all trees sit in one array, so the
        # small-batch path (retention/ml/stacked.py) shares them rather than holding a copy.
        tables = []
        for tree in trees:
            leaves, table, rate = _leaf_contributions(tree, owner)
            row_of = np.full(tree.node_count, -1, dtype=np.int32)
            row_of[leaves] = np.arange(len(leaves), dtype=np.int32)
            self._row_of_leaf.append(row_of)
            tables.append(np.column_stack([table, rate]))
        self._leaf_offsets = [int(o) for o in np.cumsum([0] + [len(table) for table in tables])]
        self._table = np.concatenate(tables)
        del tables
        self._leaf_values: list[Matrix] = [
            self._table[start:stop] for start, stop in itertools.pairwise(self._leaf_offsets)
        ]
        self._encoder = FastEncoder(parts.encode)
        self._stacked: StackedTrees | None = None
        self._raw_base = float(np.mean([tree.value[0, 0, 1] for tree in trees]))
        self.base_value = float(parts.calibrate(np.array([self._raw_base]))[0])

    def _sum_over(self, encoded: npt.NDArray[np.float32], trees: range) -> Matrix:
        """Σ over `trees`, in order, of each row's leaf values (contributions, then churn rate)."""
        total = np.zeros((len(encoded), len(MODEL_COLUMNS) + 1), dtype=np.float64)
        for t in trees:
            # The tree's own apply, without the forest's per-call input checks and thread pool; its
            # nogil traversal lets another thread walk the other trees meanwhile.
            landed = self._trees[t].apply(encoded)
            total += self._leaf_values[t].take(self._row_of_leaf[t].take(landed), axis=0)
        return total

    def _stacked_trees(self) -> StackedTrees:
        if self._stacked is None:
            self._stacked = StackedTrees(self._trees, self._row_of_leaf, self._leaf_offsets, self._table)
        return self._stacked

    def _encoded(self, matrix: Matrix) -> npt.NDArray[np.float32]:
        fast = self._encoder.encode(matrix) if len(matrix) <= STACKED_ROWS else None
        if fast is not None:
            return fast
        # The real transform: large batches, and the error for a category the model never saw.
        return np.ascontiguousarray(self.parts.encode.transform(matrix), dtype=np.float32)

    def explain(self, matrix: Matrix) -> Explanations:
        """Probabilities and contributions: base_value + row sum of contributions = probability."""
        encoded = self._encoded(matrix)
        n_trees = len(self._trees)
        # The trees are summed in fixed groups, each in forest order, then the groups in order: the
        # same additions however many threads run them, so a customer's numbers never depend on the
        # batch it came in (or on the machine's cores).
        groups = [
            range(start, stop)
            for start, stop in itertools.pairwise(np.linspace(0, n_trees, TREE_GROUPS + 1, dtype=int))
        ]
        if len(encoded) <= STACKED_ROWS:
            total = summed_in_groups(self._stacked_trees().leaf_values(encoded), groups)
        else:
            if len(encoded) < BATCH_ROWS:
                partial = [self._sum_over(encoded, trees) for trees in groups]
            else:
                workers = min(os.cpu_count() or 1, TREE_GROUPS)
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="explain") as pool:
                    partial = list(pool.map(lambda trees: self._sum_over(encoded, trees), groups))
            total = partial[0]
            for part in partial[1:]:
                total += part
        total /= n_trees
        raw_contributions, raw = total[:, :-1], total[:, -1]
        probabilities = self.parts.calibrate(raw)
        if self.parts.calibration is None:
            return Explanations(self.base_value, raw, raw_contributions)
        moved = raw - self._raw_base
        safe = np.where(np.abs(moved) > 1e-15, moved, 1.0)
        scale = np.where(np.abs(moved) > 1e-15, (probabilities - self.base_value) / safe, 0.0)
        return Explanations(self.base_value, probabilities, raw_contributions * scale[:, None])
