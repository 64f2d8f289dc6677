"""Hyperparameters by out-of-bag Brier on the training split, and the calibration decision.

Every candidate forest is fitted once, on all training rows, and judged by its out-of-bag predictions
(each row scored by the trees that never saw it): an out-of-sample estimate for every row at the cost of
one fit, where 3-fold CV costs three. The leaf sizes form a geometric ladder scaled to the row count, and
each max_features column walks it from the largest (cheapest) leaf down, stopping once a smaller leaf
stops helping. Candidates within noise of the best (one paired standard error) give way to the larger
leaf: a smaller forest, faster to score, and as good as the data can tell.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from retention.ml.calibration import (
    Sigmoid,
    cross_fitted_sigmoid,
    fit_out_of_bag,
    fit_sigmoid,
    oob_probabilities,
)
from retention.ml.evaluation import Labels, Probabilities
from retention.ml.matrix import Matrix
from retention.ml.pipeline import ForestParams, build_pipeline

MIN_LEAF = 3
# Walking up past the ladder stops at leaves of 5% of the rows: beyond that a forest is a few rules.
MAX_LEAF_FRACTION = 0.05


@dataclass(frozen=True)
class SearchSpace:
    """The candidates tried; fewer trees in the search than in the final forest keep training in minutes."""

    # None: a geometric ladder scaled to the training rows (see leaf_ladder); an explicit grid is
    # tried as given.
    min_samples_leaf: tuple[int, ...] | None = None
    max_features: tuple[float | str, ...] = (0.5, "sqrt")
    search_trees: int = 100
    # 200 trees: within 0.1% of 300 on held-out AUC and Brier, and a third cheaper to score in batch.
    final_trees: int = 200
    # The ladder halves from rows/100 down to rows/5000 (floor MIN_LEAF): 700 ... 22 leaves on
    # 70,000 training rows, 35 ... 4 on 3,500. The walk starts at the top, where fits are cheapest.
    largest_leaf_fraction: float = 1 / 100
    smallest_leaf_fraction: float = 1 / 5000
    ladder_ratio: float = 2.0

    def leaf_ladder(self, rows: int) -> tuple[int, ...]:
        """Leaf sizes to try on `rows` training rows, largest first, each at most a quarter of them."""
        if self.min_samples_leaf is not None:
            return tuple(sorted(set(self.min_samples_leaf), reverse=True))
        ceiling = max(1, rows // 4)
        leaf, low = (
            min(max(MIN_LEAF, rows * self.largest_leaf_fraction), ceiling),
            max(MIN_LEAF, rows * self.smallest_leaf_fraction),
        )
        ladder = [round(leaf)]
        while leaf / self.ladder_ratio >= low * 0.999:
            leaf /= self.ladder_ratio
            ladder.append(round(leaf))
        return tuple(sorted(set(ladder), reverse=True))

    def candidates(self, rows: int) -> list[ForestParams]:
        """Every candidate in search order (each max_features column, largest leaf first)."""
        return [
            ForestParams(n_estimators=self.search_trees, min_samples_leaf=leaf, max_features=features)
            for features in self.max_features
            for leaf in self.leaf_ladder(rows)
        ]


@dataclass(frozen=True)
class SearchResult:
    """The chosen parameters, every candidate tried, and the chosen candidate's fitted search forest."""

    best: ForestParams
    trials: list[dict[str, Any]]
    fitted: Pipeline


@dataclass(frozen=True)
class CalibrationDecision:
    """Whether a sigmoid goes on the final forest, on what evidence, and the map itself when it does."""

    sigmoid: Sigmoid | None
    evidence: dict[str, float]


@dataclass
class _Trial:
    params: ForestParams
    pipeline: Pipeline | None  # dropped once the trial cannot be chosen, to bound memory
    losses: Probabilities  # per-row squared error of the better of raw and cross-fitted sigmoid
    record: dict[str, Any]

    @property
    def brier(self) -> float:
        return float(np.nanmean(self.losses))


def search(
    matrix: Matrix, labels: Labels, space: SearchSpace, *, on_fit: Callable[[], None] = lambda: None
) -> SearchResult:
    """Out-of-bag Brier for each candidate; the largest leaf within noise of the best wins."""
    trials: list[_Trial] = []
    for features in space.max_features:
        trials.extend(_walk(features, matrix, labels, space, trials, on_fit))
    chosen = _largest_leaf_within_noise(trials)
    chosen.record["chosen"] = True
    fitted = chosen.pipeline or fit_out_of_bag(build_pipeline(chosen.params, oob=True), matrix, labels)
    return SearchResult(best=chosen.params, trials=[t.record for t in trials], fitted=fitted)


def _walk(
    features: float | str,
    matrix: Matrix,
    labels: Labels,
    space: SearchSpace,
    earlier: list[_Trial],
    on_fit: Callable[[], None],
) -> list[_Trial]:
    """One max_features column: down the ladder until a smaller leaf stops helping, and up past its
    top while a larger one keeps helping (data noisier than the ladder expected)."""
    column: list[_Trial] = []

    def attempt(leaf: int) -> bool:
        """Try one leaf size; True when it beat every leaf tried before it in this column."""
        params = ForestParams(space.search_trees, min_samples_leaf=leaf, max_features=features)
        column.append(_try(params, matrix, labels))
        on_fit()
        _drop_hopeless(earlier + column)
        return len(column) == 1 or column[-1].brier < min(t.brier for t in column[:-1])

    ladder = space.leaf_ladder(len(labels))
    for leaf in ladder:
        if not attempt(leaf):
            break
    if space.min_samples_leaf is None and min(column, key=lambda t: t.brier) is column[0]:
        leaf = round(ladder[0] * space.ladder_ratio)
        while leaf <= len(labels) * MAX_LEAF_FRACTION and attempt(leaf):
            leaf = round(leaf * space.ladder_ratio)
    return column


def _drop_hopeless(trials: list[_Trial]) -> None:
    """Release the forests of trials neither best nor within noise of the best (rarely needed again)."""
    best = min(trials, key=lambda t: t.brier)
    for trial in trials:
        if trial is not best and not _within_noise(trial.losses, best.losses):
            trial.pipeline = None


def _try(params: ForestParams, matrix: Matrix, labels: Labels) -> _Trial:
    started = time.perf_counter()
    pipeline = fit_out_of_bag(build_pipeline(params, oob=True), matrix, labels)
    raw = oob_probabilities(pipeline.named_steps["forest"])
    known = np.isfinite(raw)
    mapped = np.full_like(raw, np.nan)
    mapped[known] = cross_fitted_sigmoid(raw[known], labels[known])
    raw_losses, mapped_losses = (raw - labels) ** 2, (mapped - labels) ** 2
    use_sigmoid = bool(np.nanmean(mapped_losses) < np.nanmean(raw_losses))
    record = {
        "params": params.as_dict(),
        "oob_brier": float(np.nanmean(raw_losses)),
        "oob_brier_sigmoid": float(np.nanmean(mapped_losses)),
        "oob_roc_auc": float(roc_auc_score(labels[known], raw[known])),
        "nodes": sum(int(tree.tree_.node_count) for tree in pipeline.named_steps["forest"].estimators_),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return _Trial(params, pipeline, mapped_losses if use_sigmoid else raw_losses, record)


def _largest_leaf_within_noise(trials: list[_Trial]) -> _Trial:
    """The best trial, or a larger-leaf one whose Brier is within one paired standard error of it."""
    best = min(trials, key=lambda t: t.brier)
    close = [t for t in trials if t.params.min_samples_leaf > best.params.min_samples_leaf]
    close = [t for t in close if _within_noise(t.losses, best.losses)]
    return max(close, key=lambda t: (t.params.min_samples_leaf, -t.brier), default=best)


def _within_noise(candidate: Probabilities, best: Probabilities) -> bool:
    both = np.isfinite(candidate) & np.isfinite(best)
    difference = candidate[both] - best[both]
    if difference.size < 2:
        return False
    return float(difference.mean()) <= float(difference.std(ddof=1)) / math.sqrt(difference.size)


def decide_calibration(raw: Probabilities, labels: Labels) -> CalibrationDecision:
    """Keep a sigmoid only when, fitted on half the out-of-bag rows, it lowers the other half's Brier."""
    known = np.isfinite(raw)
    raw, labels = raw[known], labels[known]
    without = float(brier_score_loss(labels, raw))
    with_map = float(brier_score_loss(labels, cross_fitted_sigmoid(raw, labels)))
    evidence = {"oob_brier_raw": without, "oob_brier_sigmoid": with_map, "rows": float(len(labels))}
    return CalibrationDecision(fit_sigmoid(raw, labels) if with_map < without else None, evidence)
