"""Small batches through every tree at once: the what-if and single-customer path of the explainer.

A what-if scores one profile (or one per recommended action). Walking 200 trees one `Tree.apply` call
at a time, after a `ColumnTransformer.transform`, costs about 3 ms of Python overhead for one row; the
arithmetic is microseconds. Here every tree's nodes sit in one array, so a batch descends all trees
together, one level per numpy step, and the one-hot encoding is an index lookup.

Both give the numbers of the per-tree path bit for bit: the same float32 inputs compared with the same
float64 thresholds (`x <= threshold` goes left, as in scikit-learn), the same leaves, and the same
additions in the same order (np.add.accumulate is sequential, unlike np.sum's pairwise reduction), so a
customer's what-if equals its stored score exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.tree._tree import Tree

from retention.ml.forest_parts import Vector
from retention.ml.matrix import Matrix


def _is_identity(transformer: object) -> bool:
    # A fitted ColumnTransformer holds remainder="passthrough" as a FunctionTransformer without a func.
    return isinstance(transformer, FunctionTransformer) and transformer.func is None


class FastEncoder:
    """The fitted encode step (one-hot block, then the passed-through columns) as array indexing.

    `encode` returns None for a value the encoder has never seen, so the caller can let the real
    transform raise its own error.
    """

    def __init__(self, encode: ColumnTransformer) -> None:
        self._blocks: list[tuple[int, npt.NDArray[np.float64] | None, list[int]]] = []
        for name, transformer, columns in encode.transformers_:
            if transformer == "drop":
                continue
            if isinstance(transformer, OneHotEncoder):
                for column, categories in zip(columns, transformer.categories_, strict=True):
                    self._blocks.append((int(column), np.asarray(categories, dtype=np.float64), []))
            elif transformer == "passthrough" or _is_identity(transformer):
                self._blocks.append((-1, None, [int(c) for c in columns]))
            else:
                raise TypeError(f"encode step {name!r} is neither one-hot nor passthrough")
        self.width = sum(len(cats) if cats is not None else len(cols) for _, cats, cols in self._blocks)

    def encode(self, matrix: Matrix) -> npt.NDArray[np.float32] | None:
        parts: list[npt.NDArray[np.float64]] = []
        for column, categories, passed in self._blocks:
            if categories is None:
                parts.append(matrix[:, passed])
                continue
            hot = matrix[:, column : column + 1] == categories[None, :]
            if not hot.any(axis=1).all():
                return None
            parts.append(hot.astype(np.float64))
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


class StackedTrees:
    """Every tree's nodes in one array; `leaf_values` finds each row's leaf in every tree at once."""

    def __init__(
        self,
        trees: Sequence[Tree],
        rows_of_leaf: Sequence[npt.NDArray[np.int32]],
        leaf_offsets: Sequence[int],
        table: Matrix,
    ) -> None:
        node_offsets = np.cumsum([0] + [tree.node_count for tree in trees])
        # int32 node arrays: a forest of tiny leaves has millions of nodes.
        self._roots = node_offsets[:-1].astype(np.int32)
        lefts, rights, features, thresholds, rows = [], [], [], [], []
        for t, tree in enumerate(trees):
            internal = tree.children_left >= 0
            offset = node_offsets[t]
            # A leaf points at itself, so rows that reached a leaf stay there while others descend.
            own = np.arange(tree.node_count) + offset
            lefts.append(np.where(internal, tree.children_left + offset, own))
            rights.append(np.where(internal, tree.children_right + offset, own))
            features.append(np.where(internal, tree.feature, 0))
            thresholds.append(np.where(internal, tree.threshold, np.inf))
            rows.append(np.where(rows_of_leaf[t] >= 0, rows_of_leaf[t] + leaf_offsets[t], -1))
        self._left = np.concatenate(lefts).astype(np.int32)
        self._right = np.concatenate(rights).astype(np.int32)
        self._feature = np.concatenate(features).astype(np.int32)
        self._threshold = np.concatenate(thresholds).astype(np.float64)
        self._leaf_row = np.concatenate(rows).astype(np.int32)
        self._table = table  # every tree's leaf rows, one after another (shared with the explainer)
        self._depth = max(tree.max_depth for tree in trees)

    def leaf_values(self, encoded: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """(rows, trees, values): for each row and tree, the leaf table row it lands in."""
        node = np.broadcast_to(self._roots, (len(encoded), len(self._roots))).copy()
        rows = np.arange(len(encoded))[:, None]
        for _ in range(self._depth):
            # float32 inputs promoted to float64 against float64 thresholds, as scikit-learn compares.
            goes_left = encoded[rows, self._feature[node]].astype(np.float64) <= self._threshold[node]
            node = np.where(goes_left, self._left[node], self._right[node])
        return self._table[self._leaf_row[node]]


def summed_in_groups(values: npt.NDArray[np.float64], groups: Sequence[range]) -> Vector:
    """Σ over trees of each row's values: each group summed in tree order, then the groups in order,
    the very additions ForestExplainer makes."""
    total: npt.NDArray[np.float64] | None = None
    for trees in groups:
        part = np.add.accumulate(values[:, trees.start : trees.stop, :], axis=1)[:, -1, :]
        total = part.copy() if total is None else total + part
    assert total is not None
    return total
