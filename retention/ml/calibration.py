"""Sigmoid (Platt) calibration fitted on a forest's out-of-bag predictions, and the evidence for keeping it.

Every training row has an out-of-bag prediction: the average of the trees that never saw it. A sigmoid
fitted on those is fitted on out-of-sample evidence without a second forest, and stays a smooth map on
one forest, so fast inference (ONNX + the map) and exact explanations (contributions scaled to the
mapped probability) keep working.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

Vector = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int_]
CALIBRATION_FOLDS = 2
CALIBRATION_SEED = 20261127
Fittable = TypeVar("Fittable", bound=BaseEstimator)


@dataclass(frozen=True)
class Sigmoid:
    """Platt calibration as scikit-learn fits it: p = 1 / (1 + exp(a·f + b))."""

    a: float
    b: float

    def __call__(self, raw: Vector) -> Vector:
        return np.asarray(expit(-(self.a * raw + self.b)), dtype=np.float64)


def fit_sigmoid(raw: Vector, labels: Labels) -> Sigmoid:
    """The sigmoid of the raw probability that best predicts the labels (maximum likelihood)."""
    # A huge C: two parameters on thousands of rows need no penalty, and a penalty would pull the map flat.
    logistic = LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), labels)
    return Sigmoid(a=-float(logistic.coef_[0, 0]), b=-float(logistic.intercept_[0]))


def fit_out_of_bag(estimator: Fittable, x: Any, y: Any) -> Fittable:
    """Fit a model whose forest keeps out-of-bag predictions; rows without one are left NaN, not warned of."""
    # With very few trees some row is in every bootstrap; callers skip NaN rows, so the warning is noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some inputs do not have OOB scores")
        return estimator.fit(x, y)  # type: ignore[no-any-return]


def oob_probabilities(forest: RandomForestClassifier) -> Vector:
    """Each training row's out-of-bag P(churn); NaN for a row every tree saw (only with very few trees)."""
    decision = np.asarray(forest.oob_decision_function_, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(decision[:, 1] / decision.sum(axis=1), dtype=np.float64)


def cross_fitted_sigmoid(raw: Vector, labels: Labels) -> Vector:
    """Each row's probability through a sigmoid fitted on the other fold only: honest evidence for Platt."""
    mapped = np.empty_like(raw)
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=CALIBRATION_SEED)
    for fit_rows, held_rows in folds.split(raw.reshape(-1, 1), labels):
        mapped[held_rows] = fit_sigmoid(raw[fit_rows], labels[fit_rows])(raw[held_rows])
    return mapped


class SigmoidForest(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """One Random Forest whose probability passes through a sigmoid fitted on its out-of-bag predictions."""

    def __init__(self, forest: RandomForestClassifier) -> None:
        self.forest = forest

    @classmethod
    def around(cls, forest: RandomForestClassifier, sigmoid: Sigmoid) -> SigmoidForest:
        """Wrap an already fitted forest and an already fitted sigmoid, without fitting anything again."""
        model = cls(forest)
        model.forest_, model.sigmoid_, model.classes_ = forest, sigmoid, forest.classes_
        return model

    def fit(self, x: Any, y: Any) -> SigmoidForest:
        """Fit the forest with out-of-bag predictions, then the sigmoid on the rows that have one."""
        forest = fit_out_of_bag(clone(self.forest).set_params(oob_score=True), x, y)
        raw, labels = oob_probabilities(forest), np.asarray(y, dtype=np.int_)
        known = np.isfinite(raw)
        self.forest_, self.sigmoid_ = forest, fit_sigmoid(raw[known], labels[known])
        self.classes_ = forest.classes_
        return self

    def predict_proba(self, x: Any) -> npt.NDArray[np.float64]:
        """[P(retained), P(churn)] per row, the churn column through the sigmoid."""
        churn = self.sigmoid_(np.asarray(self.forest_.predict_proba(x)[:, 1], dtype=np.float64))
        return np.column_stack([1.0 - churn, churn])

    def predict(self, x: Any) -> npt.NDArray[np.int_]:
        """The more likely class of each row."""
        return np.asarray(self.classes_[(self.predict_proba(x)[:, 1] >= 0.5).astype(np.int_)])
