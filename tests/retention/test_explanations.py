"""The core of explanations: what a snapshot stores, a change that adds up, declared actions, typed values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from retention.actions import ACTIONS, Action, Change, Direction, _check_declared
from retention.explanations import ExplainedRisk, explanation_of
from retention.features import COLUMNS_BY_NAME, FEATURE_NAMES, FEATURES
from retention.importing.values import InvalidValue, check_typed
from retention.records import RiskSnapshot, RiskTier
from retention.risk_change import change_between
from retention.storage.contributions import decode, encode_rows
from tests.factories import training_set


def test_a_snapshot_keeps_contributions_and_values_exactly_in_fewer_bytes_than_float64() -> None:
    matrix, _ = training_set(500)
    contributions = np.random.default_rng(3).normal(size=matrix.shape)

    blobs = encode_rows(contributions, matrix)

    decoded = [decode(blob) for blob in blobs]
    np.testing.assert_array_equal([d.contributions for d in decoded], contributions)
    np.testing.assert_array_equal([d.values for d in decoded], matrix)
    assert len(blobs[0]) < 2 * 8 * len(FEATURES)


def test_every_value_at_the_edge_of_its_declared_range_survives_storage() -> None:
    low = [0.0 if c.minimum is None else float(c.minimum) for c in FEATURES]
    high = [len(c.categories) - 1.0 if c.categories else float(c.maximum or 0) for c in FEATURES]
    matrix = np.array([low, high])

    (first, second) = encode_rows(np.zeros_like(matrix), matrix)

    np.testing.assert_array_equal(decode(first).values, low)
    np.testing.assert_array_equal(decode(second).values, high)


def test_a_snapshot_stored_before_values_were_kept_reads_with_no_values() -> None:
    old = np.arange(len(FEATURES), dtype="<f8").tobytes()
    stored = decode(old)
    np.testing.assert_array_equal(stored.contributions, np.arange(len(FEATURES)))
    assert stored.values is None
    with pytest.raises(ValueError, match="does not fit"):
        decode(old + b"\x00")


def _risk(
    version: str, base: float, contributions: list[float], values: list[float], at: int
) -> ExplainedRisk:
    probability = base + sum(contributions)
    snapshot = RiskSnapshot(
        customer_id="CUST0000001",
        probability=probability,
        score=round(100 * probability),
        tier=RiskTier.LOW,
        model_version=version,
        scored_at=datetime(2026, 12, at, tzinfo=UTC),
    )
    explanation = explanation_of(FEATURE_NAMES, base, np.array(contributions), np.array(values))
    return ExplainedRisk(snapshot=snapshot, explanation=explanation, snapshot_id=at)


def test_a_change_across_models_adds_its_base_value_change_to_the_feature_changes() -> None:
    rng = np.random.default_rng(5)
    matrix, _ = training_set(2)
    before = _risk("v1", 0.21, list(rng.normal(0, 0.02, len(FEATURES))), list(matrix[0]), 1)
    after = _risk("v2", 0.19, list(rng.normal(0, 0.02, len(FEATURES))), list(matrix[1]), 2)

    change = change_between(before, after)

    assert change is not None and change.model_changed
    assert change.base_value_change == pytest.approx(-0.02, abs=1e-15)
    total = change.base_value_change + sum(d.contribution for d in change.drivers)
    assert total == pytest.approx(change.delta, abs=1e-15)
    sizes = [abs(d.contribution) for d in change.drivers]
    assert sizes == sorted(sizes, reverse=True)
    assert change_between(replace(before, explanation=None), after) is None


def test_a_driver_reads_as_a_sentence_with_its_value_in_points() -> None:
    values = np.zeros(len(FEATURES))
    values[FEATURE_NAMES.index("last_login_days")] = 45
    contributions = np.zeros(len(FEATURES))
    contributions[FEATURE_NAMES.index("last_login_days")] = 0.12

    explanation = explanation_of(FEATURE_NAMES, 0.2, contributions, values)
    without_values = explanation_of(FEATURE_NAMES, 0.2, contributions, None)

    assert explanation.drivers[0].description == "last login 45 days ago: +12 points"
    assert explanation.drivers[0].value == 45
    assert without_values.drivers[0].description == "Days since last login: +12 points"
    assert without_values.drivers[0].value is None


def test_actions_apply_only_where_they_would_change_the_profile_and_never_the_wrong_way() -> None:
    win_back = next(a for a in ACTIONS if a.name == "WIN_BACK_IDLE_USER")
    discount = next(a for a in ACTIONS if a.name == "OFFER_DISCOUNT")

    assert win_back.applies_to({"last_login_days": 30}) and not win_back.applies_to({"last_login_days": 3})
    assert win_back.applied({"last_login_days": 30})["last_login_days"] == 7
    assert discount.applies_to({"discount_applied": 0}) and not discount.applies_to({"discount_applied": 1})
    assert discount.cost(100.0, 12) == pytest.approx(120.0)


@pytest.mark.parametrize(
    "action",
    [
        Action("NOWHERE", "no such feature", (Change("shoe_size", 0, Direction.LOWER),)),
        Action("TOO_FAR", "out of range", (Change("monthly_active_days", 40, Direction.RAISE),)),
        Action("LABEL", "not a model input", (Change("churn", 0, Direction.LOWER),)),
    ],
)
def test_an_action_declared_on_no_model_feature_or_out_of_range_is_refused(action: Action) -> None:
    with pytest.raises(ValueError):
        _check_declared((action,))


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("tenure_months", -1, "below the minimum 0"),
        ("tenure_months", 2.5, "not a whole number"),
        ("tenure_months", True, "not a number"),
        ("usage_drop_flag", 2, "not 0 or 1"),
        ("monthly_charges", float("nan"), "not a finite number"),
        ("subscription_type", "Gold", "is not one of"),
        ("subscription_type", 3, "is not text"),
        ("tenure_months", None, "a value is required"),
    ],
)
def test_typed_values_follow_the_importers_rules(name: str, value: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        check_typed(COLUMNS_BY_NAME[name], value)


def test_typed_values_that_pass_come_back_as_storage_holds_them() -> None:
    assert check_typed(COLUMNS_BY_NAME["usage_drop_flag"], True) == 1
    assert check_typed(COLUMNS_BY_NAME["tenure_months"], 12.0) == 12
    assert check_typed(COLUMNS_BY_NAME["monthly_charges"], 10) == 10.0
    assert check_typed(COLUMNS_BY_NAME["subscription_type"], "Premium") == "Premium"
