"""Fast scoring equals scikit-learn, and every explanation adds up to its probability."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from retention.ml.explain import STACKED_ROWS, ForestExplainer
from retention.ml.fast import FastScorer, _with_float32_thresholds, export_onnx
from retention.ml.forest_parts import ForestParts
from retention.ml.matrix import CATEGORY_INDEXES, MODEL_COLUMNS
from retention.ml.pipeline import ForestParams, build_pipeline
from tests.factories import training_set

# Big enough that thresholds land between close values, where float32 rounding used to flip a branch.
PARAMS = ForestParams(n_estimators=60, min_samples_leaf=5, max_features=0.5)


@pytest.fixture(scope="module", params=[False, True], ids=["forest", "calibrated"])
def fitted(request: pytest.FixtureRequest) -> tuple[Pipeline, np.ndarray]:
    matrix, labels = training_set(12000)
    x_train, x_test, y_train, _ = train_test_split(
        matrix, labels, test_size=0.3, random_state=0, stratify=labels
    )
    return build_pipeline(PARAMS, calibrated=request.param, n_jobs=2).fit(x_train, y_train), x_test


def test_fast_scoring_matches_scikit_learn_within_1e_5_on_every_test_row(
    fitted: tuple[Pipeline, np.ndarray],
) -> None:
    pipeline, x_test = fitted
    parts = ForestParts.of(pipeline)

    fast = FastScorer(export_onnx(parts), parts.calibration).churn_probability(x_test)

    expected = pipeline.predict_proba(x_test)[:, 1]
    assert np.max(np.abs(fast - expected)) <= 1e-5


def test_rounding_thresholds_down_to_float32_keeps_every_route(fitted: tuple[Pipeline, np.ndarray]) -> None:
    pipeline, x_test = fitted
    parts = ForestParts.of(pipeline)
    encoded = parts.encode.transform(x_test)

    exported = _with_float32_thresholds(parts.forest)

    np.testing.assert_array_equal(exported.apply(encoded), parts.forest.apply(encoded))


def test_explanations_add_up_to_the_probability_on_every_test_row(
    fitted: tuple[Pipeline, np.ndarray],
) -> None:
    pipeline, x_test = fitted

    explained = ForestExplainer(ForestParts.of(pipeline)).explain(x_test)

    assert explained.contributions.shape == (len(x_test), len(MODEL_COLUMNS))
    totals = explained.base_value + explained.contributions.sum(axis=1)
    assert np.max(np.abs(totals - explained.probabilities)) <= 1e-6
    assert np.max(np.abs(explained.probabilities - pipeline.predict_proba(x_test)[:, 1])) <= 1e-9


def test_one_customer_is_explained_as_in_a_batch(fitted: tuple[Pipeline, np.ndarray]) -> None:
    pipeline, x_test = fitted
    explainer = ForestExplainer(ForestParts.of(pipeline))

    batch = explainer.explain(x_test[:300])
    single = explainer.explain(x_test[7:8])

    np.testing.assert_allclose(single.contributions[0], batch.contributions[7], atol=1e-12)


def test_small_batches_through_all_trees_at_once_equal_the_per_tree_path_bit_for_bit(
    fitted: tuple[Pipeline, np.ndarray],
) -> None:
    pipeline, x_test = fitted
    explainer = ForestExplainer(ForestParts.of(pipeline))
    # Inputs on either side of split thresholds (the float32 values next to each), where `<=` decides.
    encode = explainer.parts.encode
    (remainder,) = [columns for name, _, columns in encode.transformers_ if name == "remainder"]
    first_passed = encode.output_indices_["remainder"].start
    tree = explainer.parts.forest.estimators_[0].tree_
    splits = np.flatnonzero(tree.feature >= first_passed)[: STACKED_ROWS // 2]
    near_splits = np.repeat(x_test[: len(splits)], 2, axis=0)
    for k, node in enumerate(splits):
        column = remainder[tree.feature[node] - first_passed]
        below = np.float32(tree.threshold[node])
        near_splits[2 * k, column] = below
        near_splits[2 * k + 1, column] = np.nextafter(below, np.float32(np.inf))
    assert len(splits) > 0

    for rows in (x_test[:1], x_test[3:9], near_splits):
        stacked = explainer.explain(rows)
        per_tree = explainer.explain(np.concatenate([rows, x_test[: STACKED_ROWS + 1]]))
        np.testing.assert_array_equal(stacked.probabilities, per_tree.probabilities[: len(rows)])
        np.testing.assert_array_equal(stacked.contributions, per_tree.contributions[: len(rows)])


def test_a_category_the_model_never_saw_is_refused_on_the_small_batch_path_too(
    fitted: tuple[Pipeline, np.ndarray],
) -> None:
    pipeline, x_test = fitted
    explainer = ForestExplainer(ForestParts.of(pipeline))
    unseen = x_test[:1].copy()
    unseen[0, CATEGORY_INDEXES[0]] = 99.0

    with pytest.raises(ValueError, match="unknown categor"):
        explainer.explain(unseen)
