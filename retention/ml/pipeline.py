"""The model: one-hot plan encoding, then a Random Forest (optionally calibrated)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from retention.ml.matrix import CATEGORY_INDEXES, MODEL_COLUMNS

RANDOM_SEED = 20261127
CV_FOLDS = 3


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


def cv_folds() -> StratifiedKFold:
    """The project's cross-validation folds: stratified, shuffled with the fixed seed."""
    return StratifiedKFold(CV_FOLDS, shuffle=True, random_state=RANDOM_SEED)


def build_forest(params: ForestParams, *, n_jobs: int = -1) -> RandomForestClassifier:
    """An unfitted forest with the fixed seed."""
    return RandomForestClassifier(
        n_estimators=params.n_estimators,
        min_samples_leaf=params.min_samples_leaf,
        max_features=params.max_features,
        class_weight=params.class_weight,
        n_jobs=n_jobs,
        random_state=RANDOM_SEED,
    )


def build_pipeline(params: ForestParams, *, calibrated: bool = False, n_jobs: int = -1) -> Pipeline:
    """An unfitted pipeline that takes the declared feature matrix.

    Calibration is a sigmoid fitted on out-of-fold predictions with one final forest on all rows
    (`ensemble=False`): a smooth map keeps fast inference equal to scikit-learn's, and one forest keeps
    scoring and explanation at the cost of one forest.
    """
    encode = ColumnTransformer([plan_one_hot()], remainder="passthrough", sparse_threshold=0.0)
    forest = build_forest(params, n_jobs=n_jobs)
    if calibrated:
        last = CalibratedClassifierCV(forest, method="sigmoid", cv=cv_folds(), ensemble=False)
        return Pipeline([("encode", encode), ("calibrated", last)])
    return Pipeline([("encode", encode), ("forest", forest)])
