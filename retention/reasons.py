"""Why a customer's score is what it is: each feature's share, in points, as a sentence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retention.features import Column, Kind
from retention.ml.matrix import MODEL_COLUMNS


@dataclass(frozen=True)
class Reason:
    """One feature's contribution to one customer's churn probability."""

    feature: str
    label: str
    value: float | int | str
    contribution: float
    sentence: str


def display_value(column: Column, encoded: float) -> float | int | str:
    """A model-input value as the customer's profile holds it (a category's name, not its code)."""
    if column.kind is Kind.CATEGORY:
        return column.categories[int(encoded)]
    if column.kind in (Kind.INT, Kind.FLAG):
        return int(encoded)
    return float(encoded)


def points(contribution: float) -> str:
    """A contribution in score points (1 point = 1 percentage point of churn probability)."""
    value = 100 * contribution
    return f"{value:+.0f} points" if abs(value) >= 0.5 else f"{value:+.1f} points"


def driver_sentence(column: Column, value: float | int | str | None, contribution: float) -> str:
    """ "last login 45 days ago: +12 points"; the label stands in for a value that was not kept."""
    said = column.label if value is None else column.describe_value(value)
    return f"{said}: {points(contribution)}"


def top_reasons(
    features: npt.NDArray[np.float64], contributions: npt.NDArray[np.float64], *, limit: int = 3
) -> list[Reason]:
    """The `limit` largest contributions of one customer (by size, either sign), largest first."""
    order = np.argsort(-np.abs(contributions), kind="stable")[:limit]
    reasons = []
    for j in order:
        column = MODEL_COLUMNS[j]
        value = display_value(column, float(features[j]))
        contribution = float(contributions[j])
        reasons.append(
            Reason(
                feature=column.name,
                label=column.label,
                value=value,
                contribution=contribution,
                sentence=driver_sentence(column, value, contribution),
            )
        )
    return reasons
