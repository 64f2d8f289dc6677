"""The model: one-hot plan encoding, then a Random Forest (optionally through a sigmoid calibration)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from retention.ml.calibration import Sigmoid, SigmoidForest
from retention.ml.matrix import CATEGORY_INDEXES, MODEL_COLUMNS

RANDOM_SEED = 20261127


@dataclass(frozen=True)
class ForestParams:
    """The forest's hyperparameters, written into every manifest."""

    n_estimators: int = 300
    min_samples_leaf: int = 25
    max_features: float | str = "sqrt"
    class_weight: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready copy."""
        return asdict(self)


def plan_one_hot() -> tuple[str, OneHotEncoder, list[int]]:
    """The ColumnTransformer entry that one-hot encodes every declared category column."""
    categories = [[float(i) for i in range(len(MODEL_COLUMNS[j].categories))] for j in CATEGORY_INDEXES]
    return ("plan", OneHotEncoder(categories=categories, handle_unknown="error"), list(CATEGORY_INDEXES))


def build_forest(params: ForestParams, *, n_jobs: int = -1, oob: bool = False) -> RandomForestClassifier:
    """An unfitted forest with the fixed seed; `oob` keeps every training row's out-of-bag prediction."""
    return RandomForestClassifier(
        n_estimators=params.n_estimators,
        min_samples_leaf=params.min_samples_leaf,
        max_features=params.max_features,
        class_weight=params.class_weight,
        oob_score=oob,
        n_jobs=n_jobs,
        random_state=RANDOM_SEED,
    )


def build_pipeline(
    params: ForestParams, *, calibrated: bool = False, n_jobs: int = -1, oob: bool = False
) -> Pipeline:
    """An unfitted pipeline that takes the declared feature matrix.

    Calibration is a sigmoid fitted on the forest's own out-of-bag predictions: a smooth map on one
    forest keeps fast inference equal to scikit-learn's and scoring and explanation at the cost of one forest.
    """
    encode = ColumnTransformer([plan_one_hot()], remainder="passthrough", sparse_threshold=0.0)
    forest = build_forest(params, n_jobs=n_jobs, oob=oob or calibrated)
    if calibrated:
        return Pipeline([("encode", encode), ("calibrated", SigmoidForest(forest))])
    return Pipeline([("encode", encode), ("forest", forest)])


def with_sigmoid(pipeline: Pipeline, sigmoid: Sigmoid | None) -> Pipeline:
    """A fitted encode → forest pipeline with a fitted sigmoid on top (or as it is, for None); no refit."""
    if sigmoid is None:
        return pipeline
    encode, forest = pipeline.named_steps["encode"], pipeline.named_steps["forest"]
    return Pipeline([("encode", encode), ("calibrated", SigmoidForest.around(forest, sigmoid))])
