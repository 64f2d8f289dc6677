"""The model: one-hot plan encoding, then a Random Forest."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from retention.ml.matrix import CATEGORY_INDEXES, MODEL_COLUMNS

RANDOM_SEED = 20261127


@dataclass(frozen=True)
class ForestParams:
    """The forest's hyperparameters, written into every manifest."""

    n_estimators: int = 300
    min_samples_leaf: int = 10
    max_features: float | str = "sqrt"
    class_weight: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready copy."""
        return asdict(self)


def build_pipeline(params: ForestParams, *, n_jobs: int = -1) -> Pipeline:
    """An unfitted pipeline that takes the declared feature matrix."""
    categories = [[float(i) for i in range(len(MODEL_COLUMNS[j].categories))] for j in CATEGORY_INDEXES]
    encode = ColumnTransformer(
        [("plan", OneHotEncoder(categories=categories, handle_unknown="error"), list(CATEGORY_INDEXES))],
        remainder="passthrough",
        sparse_threshold=0.0,
    )
    forest = RandomForestClassifier(
        n_estimators=params.n_estimators,
        min_samples_leaf=params.min_samples_leaf,
        max_features=params.max_features,
        class_weight=params.class_weight,
        n_jobs=n_jobs,
        random_state=RANDOM_SEED,
    )
    return Pipeline([("encode", encode), ("forest", forest)])
