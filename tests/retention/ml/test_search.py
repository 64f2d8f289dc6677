"""The search adapts to the data: a leaf ladder that scales with the rows, calibration only on evidence."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from retention.ml.calibration import SigmoidForest
from retention.ml.forest_parts import ForestParts
from retention.ml.pipeline import (
    RANDOM_SEED,
    ForestParams,
    build_forest,
    build_pipeline,
    plan_one_hot,
)
from retention.ml.search import MIN_LEAF, SearchSpace, decide_calibration
from retention.ml.training import TrainingData, train_model
from tests.factories import POLICY, training_data

TINY = SearchSpace(min_samples_leaf=(40, 10), max_features=("sqrt",), search_trees=12, final_trees=24)


def test_the_leaf_ladder_reaches_a_few_hundred_rows_at_100000_customers() -> None:
    ladder = SearchSpace().leaf_ladder(70_000)  # the 70% training split of 100,000 customers

    assert any(200 <= leaf <= 800 for leaf in ladder)
    assert min(ladder) <= 30
    assert list(ladder) == sorted(ladder, reverse=True)


@pytest.mark.parametrize("rows", [40, 350, 500, 3_500])
def test_on_few_rows_the_leaf_ladder_is_small_and_every_leaf_is_valid(rows: int) -> None:
    ladder = SearchSpace().leaf_ladder(rows)

    assert ladder
    assert all(MIN_LEAF <= leaf <= rows // 4 for leaf in ladder)
    assert max(ladder) < max(SearchSpace().leaf_ladder(rows * 20))


def test_an_explicit_leaf_grid_is_tried_as_given_largest_first() -> None:
    assert SearchSpace(min_samples_leaf=(5, 50, 20)).leaf_ladder(100_000) == (50, 20, 5)


def _labels_of(probability: np.ndarray, seed: int = 3) -> np.ndarray:
    return (np.random.default_rng(seed).random(len(probability)) < probability).astype(np.int_)


def test_a_sigmoid_is_kept_when_held_out_evidence_says_the_forest_is_miscalibrated() -> None:
    truth = np.random.default_rng(1).uniform(0.02, 0.98, 20_000)
    squashed = 0.5 + 0.4 * (truth - 0.5)  # a forest's typical fault: too timid at both ends

    decision = decide_calibration(squashed, _labels_of(truth))

    assert decision.sigmoid is not None
    assert decision.evidence["oob_brier_sigmoid"] < decision.evidence["oob_brier_raw"]


def test_no_sigmoid_is_kept_on_probabilities_that_are_already_calibrated() -> None:
    truth = np.random.default_rng(2).uniform(0.02, 0.98, 20_000)

    decision = decide_calibration(truth, _labels_of(truth))

    assert decision.sigmoid is None
    assert decision.evidence["oob_brier_sigmoid"] >= decision.evidence["oob_brier_raw"]


def test_rows_without_an_out_of_bag_prediction_are_left_out_of_the_decision() -> None:
    truth = np.random.default_rng(4).uniform(0.02, 0.98, 5_000)
    raw = 0.5 + 0.4 * (truth - 0.5)
    raw[:100] = np.nan

    decision = decide_calibration(raw, _labels_of(truth))

    assert decision.evidence["rows"] == 4_900
    assert decision.sigmoid is not None


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return training_data(2000, seed=11)


def test_the_trained_model_carries_the_sigmoid_exactly_when_its_evidence_favoured_one(
    data: TrainingData,
) -> None:
    outcome = train_model(data, policy=POLICY, space=TINY, progress=False)

    evidence = outcome.manifest.search["calibration"]
    kept = evidence["oob_brier_sigmoid"] < evidence["oob_brier_raw"]
    assert (outcome.manifest.params["calibration"] == "sigmoid") is kept
    assert isinstance(outcome.pipeline.steps[-1][1], SigmoidForest) is kept
    assert sum(1 for trial in outcome.manifest.search["trials"] if trial.get("chosen")) == 1


def test_the_held_out_rows_never_inform_a_choice(data: TrainingData) -> None:
    # Given the same training rows and, once, garbage in place of every held-out row's features
    _, test_rows = train_test_split(
        np.arange(len(data.labels)), test_size=0.3, stratify=data.labels, random_state=RANDOM_SEED
    )
    spoiled = data.matrix.copy()
    spoiled[test_rows] = spoiled[np.random.default_rng(0).permutation(test_rows)]
    spoiled[test_rows, 0] += 1000.0

    # When both are trained
    clean = train_model(data, policy=POLICY, space=TINY, progress=False).manifest
    other = train_model(
        TrainingData(spoiled, data.labels), policy=POLICY, space=TINY, progress=False
    ).manifest

    # Then every choice and its evidence are the same; only the held-out figures differ
    assert other.params == clean.params
    assert _without_seconds(other.search["trials"]) == _without_seconds(clean.search["trials"])
    assert other.search["calibration"] == clean.search["calibration"]
    assert other.metrics["brier"] != clean.metrics["brier"]


def _without_seconds(trials: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in trial.items() if k != "seconds"} for trial in trials]


def test_the_final_forest_grown_on_from_the_search_equals_a_fresh_fit(data: TrainingData) -> None:
    space = SearchSpace(min_samples_leaf=(20,), max_features=("sqrt",), search_trees=10, final_trees=25)
    train_rows, _ = train_test_split(
        np.arange(len(data.labels)), test_size=0.3, stratify=data.labels, random_state=RANDOM_SEED
    )
    x_train, y_train = data.matrix[train_rows], data.labels[train_rows]

    outcome = train_model(data, policy=POLICY, space=space, progress=False)

    fresh = build_pipeline(ForestParams(25, min_samples_leaf=20, max_features="sqrt")).fit(x_train, y_train)
    forest = ForestParts.of(outcome.pipeline).forest
    grown_trees = [tree.tree_ for tree in forest.estimators_]
    fresh_trees = [tree.tree_ for tree in fresh.named_steps["forest"].estimators_]
    for grown, new in zip(grown_trees, fresh_trees, strict=True):
        np.testing.assert_array_equal(grown.threshold, new.threshold)
        np.testing.assert_array_equal(grown.value, new.value)
    encoded = outcome.pipeline.named_steps["encode"].transform(x_train)
    # Equal up to the order the threads add the trees in.
    np.testing.assert_allclose(forest.predict_proba(encoded), fresh.predict_proba(x_train), atol=1e-12)


def test_a_version_calibrated_the_old_way_is_still_taken_apart_into_forest_and_sigmoid(
    data: TrainingData,
) -> None:
    encode = ColumnTransformer([plan_one_hot()], remainder="passthrough", sparse_threshold=0.0)
    forest = build_forest(ForestParams(10, min_samples_leaf=20), n_jobs=1)
    old = CalibratedClassifierCV(forest, method="sigmoid", cv=3, ensemble=False)
    pipeline = Pipeline([("encode", encode), ("calibrated", old)]).fit(data.matrix, data.labels)

    parts = ForestParts.of(pipeline)

    raw = parts.forest.predict_proba(parts.encode.transform(data.matrix))[:, 1]
    np.testing.assert_allclose(parts.calibrate(raw), pipeline.predict_proba(data.matrix)[:, 1], atol=1e-12)
