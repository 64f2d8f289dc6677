"""What-ifs on the active model: an unsaved profile scored and explained, and each action's effect.

Scored with the exact explainer, the very computation batch scoring stores, so a profile equal to a
stored customer's gets the stored probability (not ONNX's float32 rounding of it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from retention import features
from retention.actions import ACTIONS, Action
from retention.errors import InvalidInput
from retention.explanations import ExplainedRisk, explanation_of
from retention.importing.values import InvalidValue, check_typed
from retention.ml.matrix import matrix_from_profiles
from retention.ml.registry import LoadedModel
from retention.records import RiskSnapshot, Value
from retention.risk import RiskPolicy, risk_score

# A what-if belongs to no stored customer; its snapshot carries this instead of an id.
WHAT_IF_ID = ""


class InvalidProfileValue(InvalidInput):
    """A profile value that breaks its column's rule; `column` is the feature's name."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(f"{column}: {value!r} {reason}")
        self.column, self.value, self.reason = column, value, reason


def checked_profile(values: Mapping[str, object]) -> dict[str, Value]:
    """Every model feature's value by the importer's rules; InvalidProfileValue for the first bad one."""
    checked: dict[str, Value] = {}
    for column in features.FEATURES:
        try:
            checked[column.name] = check_typed(column, values.get(column.name))
        except InvalidValue as exc:
            raise InvalidProfileValue(column.name, values.get(column.name), exc.reason) from None
    return checked


def score_profiles(
    *, model: LoadedModel, policy: RiskPolicy, profiles: Sequence[Mapping[str, Value]]
) -> list[ExplainedRisk]:
    """Checked profiles scored and explained by `model`, in one batch."""
    if not profiles:
        return []
    matrix = matrix_from_profiles(profiles)
    explained = model.explain(matrix)
    now = datetime.now(UTC)
    names = features.FEATURE_NAMES
    risks = []
    for i, probability in enumerate(explained.probabilities.tolist()):
        snapshot = RiskSnapshot(
            customer_id=WHAT_IF_ID,
            probability=probability,
            score=risk_score(probability),
            tier=policy.tier(probability),
            model_version=model.version,
            scored_at=now,
        )
        explanation = explanation_of(names, explained.base_value, explained.contributions[i], matrix[i])
        risks.append(ExplainedRisk(snapshot=snapshot, explanation=explanation))
    return risks


@dataclass(frozen=True)
class ScoredAction:
    """An action's what-if for one customer: the model's probability with it, and what that is worth."""

    action: Action
    new_probability: float
    risk_reduction: float  # probability now - probability with the action
    expected_revenue_saved: float  # risk_reduction × monthly charges × horizon - cost


def recommended_actions(
    *, model: LoadedModel, profiles: Sequence[Mapping[str, Value]], horizon_months: float
) -> list[list[ScoredAction]]:
    """For each profile, every applicable action scored by `model`, best expected revenue saved first.

    One model call for the whole batch: each profile as it is, then with each applicable action.
    """
    rows: list[Mapping[str, Value]] = []
    plans: list[tuple[int, list[Action]]] = []
    for profile in profiles:
        applicable = [action for action in ACTIONS if action.applies_to(profile)]
        plans.append((len(rows), applicable))
        rows.append(profile)
        rows.extend(action.applied(profile) for action in applicable)
    if not rows:
        return []
    probabilities = model.explain(matrix_from_profiles(rows)).probabilities.tolist()
    ranked: list[list[ScoredAction]] = []
    for profile, (start, applicable) in zip(profiles, plans, strict=True):
        now = probabilities[start]
        charges = float(profile["monthly_charges"] or 0.0)
        scored = []
        for k, action in enumerate(applicable):
            new = probabilities[start + 1 + k]
            reduction = now - new
            saved = reduction * charges * horizon_months - action.cost(charges, horizon_months)
            scored.append(ScoredAction(action, new, reduction, saved))
        # Stable: equal values keep the declared order.
        scored.sort(key=lambda s: -s.expected_revenue_saved)
        ranked.append(scored)
    return ranked
