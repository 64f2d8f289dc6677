"""The yardstick beside the forest: one-hot plan, standardised numbers, logistic regression."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from retention.ml.matrix import CATEGORY_INDEXES, MODEL_COLUMNS
from retention.ml.pipeline import RANDOM_SEED, plan_one_hot

NUMERIC_INDEXES: tuple[int, ...] = tuple(i for i in range(len(MODEL_COLUMNS)) if i not in CATEGORY_INDEXES)


def build_baseline() -> Pipeline:
    """An unfitted logistic-regression pipeline that takes the same feature matrix as the forest."""
    # The same category encoding as build_pipeline, so the two models differ only in the learner.
    encode = ColumnTransformer(
        [
            plan_one_hot(),
            # A linear model's penalty treats every coefficient alike, so the numbers need one scale.
            ("numeric", StandardScaler(), list(NUMERIC_INDEXES)),
        ],
        sparse_threshold=0.0,
    )
    logistic = LogisticRegression(max_iter=2000, random_state=RANDOM_SEED)
    return Pipeline([("encode", encode), ("logistic", logistic)])
