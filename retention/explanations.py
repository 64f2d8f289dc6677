"""A score with its explanation: every feature's root-to-leaf path attribution, largest first.

The method (retention/ml/explain.py): walking each tree from its root to the customer's leaf, every split
moves the predicted churn rate; that move is credited to the split's feature, and the credits are
averaged over the forest (and scaled through the calibration). So base value + Σ contributions =
probability. It is a path attribution, not a Shapley value: it depends on the order of the splits on
the path, and a feature the trees never split on gets exactly 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retention.features import COLUMNS_BY_NAME
from retention.reasons import display_value, driver_sentence
from retention.records import RiskSnapshot

METHOD = "root-to-leaf path attribution (not a Shapley value)"

DriverValue = int | float | str | None


@dataclass(frozen=True)
class FeatureDriver:
    """One feature's share of one score: its value then (None when not kept), contribution and sentence."""

    feature: str
    label: str
    value: DriverValue
    contribution: float
    description: str


@dataclass(frozen=True)
class Explanation:
    """The model's base value and every feature's contribution, most influential (|contribution|) first."""

    base_value: float
    drivers: tuple[FeatureDriver, ...]

    def contribution_of(self, feature: str) -> float:
        """A feature's contribution; 0 for a feature this model does not use."""
        return next((d.contribution for d in self.drivers if d.feature == feature), 0.0)

    def value_of(self, feature: str) -> DriverValue:
        """A feature's value at scoring time, None when it was not kept or the model does not use it."""
        return next((d.value for d in self.drivers if d.feature == feature), None)


@dataclass(frozen=True)
class ExplainedRisk:
    """A risk snapshot (stored, or a what-if) with its explanation when one is known."""

    snapshot: RiskSnapshot
    explanation: Explanation | None
    snapshot_id: int | None = None  # the stored snapshot's id; None for a what-if


def explanation_of(
    feature_names: Sequence[str],
    base_value: float,
    contributions: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64] | None,
) -> Explanation:
    """The explanation of one score from its contributions and model-input values (version's order)."""
    order = np.argsort(-np.abs(contributions), kind="stable")
    drivers = []
    for j in order:
        column = COLUMNS_BY_NAME[feature_names[j]]
        value = None if values is None else display_value(column, float(values[j]))
        contribution = float(contributions[j])
        drivers.append(
            FeatureDriver(
                feature=column.name,
                label=column.label,
                value=value,
                contribution=contribution,
                description=driver_sentence(column, value, contribution),
            )
        )
    return Explanation(base_value=base_value, drivers=tuple(drivers))
