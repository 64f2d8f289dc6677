"""Train a model version: search, fit, calibrate if it helps, and measure on a split never used for tuning."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from retention import features
from retention.errors import InvalidInput
from retention.ml.artifacts import Manifest, library_versions
from retention.ml.baseline import build_baseline
from retention.ml.calibration import fit_out_of_bag, oob_probabilities
from retention.ml.evaluation import Labels, evaluate, permutation_drivers
from retention.ml.fast import export_onnx
from retention.ml.forest_parts import ForestParts, Vector
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.pipeline import RANDOM_SEED, ForestParams, build_pipeline, with_sigmoid
from retention.ml.search import SearchResult, SearchSpace, decide_calibration, search
from retention.ml.typical import feature_deciles, typical_profile
from retention.risk import RiskPolicy

log = logging.getLogger(__name__)
MIN_ROWS_PER_CLASS = 20


@dataclass(frozen=True)
class TrainingData:
    """Labelled customers as the model sees them, with the generator's true probabilities when known."""

    matrix: Matrix
    labels: Labels
    true_probability: Vector | None = None


@dataclass(frozen=True)
class TrainingOutcome:
    """A fitted pipeline, its ONNX export and the manifest that describes both (sha256s come on save)."""

    pipeline: Pipeline
    onnx_graph: bytes
    manifest: Manifest


def train_model(
    data: TrainingData,
    *,
    policy: RiskPolicy,
    space: SearchSpace | None = None,
    test_fraction: float = 0.3,
    progress: bool | None = None,
    now: datetime | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> TrainingOutcome:
    """Stratified split; hyperparameters and calibration chosen out-of-bag on the training rows only."""
    space = space or SearchSpace()
    _check_classes(data.labels)
    indexes = np.arange(len(data.labels))
    train_rows, test_rows = train_test_split(
        indexes, test_size=test_fraction, stratify=data.labels, random_state=RANDOM_SEED
    )
    x_train, y_train = data.matrix[train_rows], data.labels[train_rows]
    x_test, y_test = data.matrix[test_rows], data.labels[test_rows]
    started = time.perf_counter()
    fits = len(space.candidates(len(y_train))) + 1
    with tqdm(
        total=fits, unit="fit", desc="training", disable=None if progress is None else not progress
    ) as bar:
        done = [0]  # tqdm stops counting when its bar is disabled

        def fitted() -> None:
            bar.update(1)
            done[0] += 1
            if (
                on_progress is not None
            ):  # a job's progress; the final fit and the evaluation are the last tenth
                on_progress(0.9 * done[0] / fits)

        chosen = search(x_train, y_train, space, on_fit=fitted)
        forest_params = replace(chosen.best, n_estimators=space.final_trees)
        forest = _final_forest(chosen, forest_params, x_train, y_train)
        calibration = decide_calibration(oob_probabilities(forest.named_steps["forest"]), y_train)
        pipeline = with_sigmoid(forest, calibration.sigmoid)
        bar.update(max(0, bar.total - bar.n))
    log.info("searched and fitted on %d rows in %.1f s", len(y_train), time.perf_counter() - started)
    parts = ForestParts.of(pipeline)
    baseline = build_baseline().fit(x_train, y_train)
    truth = data.true_probability[test_rows] if data.true_probability is not None else None

    def report(model: Pipeline) -> dict[str, Any]:
        return evaluate(
            y_test,
            model.predict_proba(x_test)[:, 1],
            tier_high=policy.high,
            tier_medium=policy.medium,
            true_probability=truth,
        )

    moment = now or datetime.now(UTC)
    manifest = Manifest(
        version=moment.strftime("%Y%m%dT%H%M%SZ"),
        created_at=moment.isoformat(),
        sha256="",
        features=[c.name for c in MODEL_COLUMNS],
        excluded_columns=dict(features.EXCLUDED_FROM_MODEL),
        libraries=library_versions(),
        training_rows=len(y_train),
        test_rows=len(y_test),
        params={**forest_params.as_dict(), "calibration": "sigmoid" if calibration.sigmoid else None},
        metrics=report(pipeline),
        drivers=[asdict(d) for d in permutation_drivers(pipeline, x_test, y_test)],
        baseline_metrics=report(baseline),
        search={
            "method": "out-of-bag Brier",
            "leaf_ladder": list(space.leaf_ladder(len(y_train))),
            "search_trees": space.search_trees,
            "trials": chosen.trials,
            "calibration": calibration.evidence,
            "forest": forest_size(parts.forest),
        },
        training_seconds=round(time.perf_counter() - started, 1),
        typical_profile=typical_profile(x_train),
        deciles=feature_deciles(x_train),
    )
    return TrainingOutcome(pipeline=pipeline, onnx_graph=export_onnx(parts), manifest=manifest)


def _final_forest(chosen: SearchResult, params: ForestParams, matrix: Matrix, labels: Labels) -> Pipeline:
    """The chosen forest at the final tree count, with out-of-bag predictions for the calibration decision.

    Growing the search's forest on (warm start) gives the very trees a fresh fit with the same seed
    would, and saves refitting the ones already grown.
    """
    if params.n_estimators == chosen.best.n_estimators:
        return chosen.fitted
    if params.n_estimators < chosen.best.n_estimators:
        return fit_out_of_bag(build_pipeline(params, oob=True), matrix, labels)
    forest = chosen.fitted.named_steps["forest"]
    forest.set_params(n_estimators=params.n_estimators, warm_start=True)
    fit_out_of_bag(chosen.fitted, matrix, labels)
    forest.set_params(warm_start=False)
    return chosen.fitted


def forest_size(forest: RandomForestClassifier) -> dict[str, int]:
    """Trees, nodes and leaves of a fitted forest: what scoring and explaining it cost."""
    trees = [estimator.tree_ for estimator in forest.estimators_]
    return {
        "trees": len(trees),
        "nodes": sum(int(t.node_count) for t in trees),
        "leaves": sum(int(t.n_leaves) for t in trees),
    }


def _check_classes(labels: Labels) -> None:
    positives = int(labels.sum())
    if min(positives, len(labels) - positives) < MIN_ROWS_PER_CLASS:
        raise InvalidInput(
            f"training needs at least {MIN_ROWS_PER_CLASS} churned and {MIN_ROWS_PER_CLASS} retained "
            f"customers with a churn label; the database has {positives} churned of {len(labels)} labelled"
        )
