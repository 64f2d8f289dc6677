"""What-ifs on the active model: scoreProfile equals a stored score; actions rank as scoreProfile says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.actions import ACTIONS
from retention.config import Settings
from retention.features import FEATURES
from tests.graphql_api.calls import data, error_of
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

CAMEL = {c.name: "".join(p.title() if i else p for i, p in enumerate(c.name.split("_"))) for c in FEATURES}
PROFILE_FIELDS = " ".join(CAMEL.values())
CUSTOMERS = f"""
query Customers($first: Int!) {{
  customers(first: $first) {{
    edges {{ node {{ id {PROFILE_FIELDS}
      risk {{ probability modelVersion baseValue drivers {{ feature value contribution }} }}
      recommendedActions {{ action description newProbability riskReduction expectedRevenueSaved }} }} }}
  }}
}}"""
SCORE = """
query Score($profile: CustomerProfileInput!) {
  scoreProfile(profile: $profile) {
    customerId probability score tier modelVersion scoredAt baseValue
    drivers { feature label value contribution description }
  }
}"""
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}


def _profile(node: dict[str, Any]) -> dict[str, Any]:
    return {CAMEL[c.name]: node[CAMEL[c.name]] for c in FEATURES}


def _score(api: TestClient, profile: dict[str, Any]) -> dict[str, Any]:
    risk: dict[str, Any] = data(api, SCORE, profile=profile)["scoreProfile"]
    return risk


@pytest.fixture(scope="module")
def page(api: TestClient) -> list[dict[str, Any]]:
    """The 100 riskiest customers with their profiles, risk and recommended actions."""
    return [edge["node"] for edge in data(api, CUSTOMERS, first=100)["customers"]["edges"]]


def test_a_profile_equal_to_a_stored_customers_scores_as_that_customer(
    api: TestClient, page: list[dict[str, Any]], scored_database: ScoredDatabase
) -> None:
    for node in page[:5] + page[-5:]:
        risk = _score(api, _profile(node))

        assert risk["probability"] == pytest.approx(node["risk"]["probability"], abs=1e-12)
        assert risk["baseValue"] == pytest.approx(node["risk"]["baseValue"], abs=1e-12)
        stored = {d["feature"]: d for d in node["risk"]["drivers"]}
        for driver in risk["drivers"]:
            assert driver["contribution"] == pytest.approx(
                stored[driver["feature"]]["contribution"], abs=1e-12
            )
            assert driver["value"] == stored[driver["feature"]]["value"]
        assert risk["customerId"] is None
        assert risk["modelVersion"] == scored_database.model_version
        assert risk["baseValue"] + sum(d["contribution"] for d in risk["drivers"]) == pytest.approx(
            risk["probability"], abs=1e-9
        )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("tenureMonths", -1, "below the minimum 0"),
        ("monthlyActiveDays", 32, "above the maximum 31"),
        ("monthlyCharges", 2_000_000.0, "above the maximum 1000000"),
        ("subscriptionType", "Gold", "is not one of Basic, Standard, Premium"),
        ("subscriptionType", "premium", "case-sensitive"),
    ],
)
def test_a_value_the_importer_would_refuse_is_bad_user_input_naming_the_field(
    api: TestClient, page: list[dict[str, Any]], field: str, value: Any, reason: str
) -> None:
    profile = {**_profile(page[0]), field: value}

    error = error_of(api, SCORE, profile=profile)

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == f"profile.{field}"
    assert error["message"].startswith(f"profile.{field}:") and reason in error["message"]


@pytest.mark.parametrize("change", [{"tenureMonths": "ten"}, {"tenureMonths": None}, {"usageDropFlag": 2}])
def test_a_value_of_the_wrong_type_or_a_missing_one_is_bad_user_input(
    api: TestClient, page: list[dict[str, Any]], change: dict[str, Any]
) -> None:
    error = error_of(api, SCORE, profile={**_profile(page[0]), **change})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert next(iter(change)) in error["message"]


def test_actions_are_ranked_by_expected_revenue_saved_and_recomputable_from_score_profile(
    api: TestClient, page: list[dict[str, Any]]
) -> None:
    horizon = Settings().action_horizon_months
    checked = 0
    for node in page[:8]:
        actions = node["recommendedActions"]
        saved = [a["expectedRevenueSaved"] for a in actions]
        assert saved == sorted(saved, reverse=True)
        profile = _profile(node)
        now = _score(api, profile)["probability"]
        for scored in actions:
            action = ACTIONS_BY_NAME[scored["action"]]
            changed = dict(profile)
            for change in action.changes:
                key = CAMEL[change.feature]
                changed[key] = bool(change.target) if isinstance(profile[key], bool) else change.target
            new = _score(api, changed)["probability"]
            charges = node["monthlyCharges"]
            cost = action.fixed_cost + action.monthly_charge_share * charges * horizon
            assert scored["newProbability"] == pytest.approx(new, abs=1e-12)
            assert scored["riskReduction"] == pytest.approx(now - new, abs=1e-12)
            assert scored["expectedRevenueSaved"] == pytest.approx(
                (now - new) * charges * horizon - cost, abs=1e-9
            )
            assert scored["description"] == action.description
            checked += 1
    assert checked >= 8


def test_only_actions_that_would_change_the_profile_are_offered(page: list[dict[str, Any]]) -> None:
    for node in page:
        offered = {a["action"] for a in node["recommendedActions"]}
        assert ("RESOLVE_OPEN_TICKETS" in offered) == (node["unresolvedTickets"] > 0)
        assert ("WIN_BACK_IDLE_USER" in offered) == (node["lastLoginDays"] > 7)
        assert ("FIX_PAYMENT_METHOD" in offered) == (node["paymentFailures"] > 0)
        assert ("REVERSE_USAGE_DROP" in offered) == node["usageDropFlag"]
        assert ("OFFER_DISCOUNT" in offered) == (not node["discountApplied"])


def test_the_horizon_setting_scales_what_an_action_is_worth(
    scored_database: ScoredDatabase, read_key: str, page: list[dict[str, Any]]
) -> None:
    settings = scored_database.settings(action_horizon_months=3)
    with TestClient(create_app(settings), headers=bearer(read_key)) as short:
        nodes = [edge["node"] for edge in data(short, CUSTOMERS, first=5)["customers"]["edges"]]
    for node, long_node in zip(nodes, page[:5], strict=True):
        assert node["id"] == long_node["id"]
        for scored in node["recommendedActions"]:
            action = ACTIONS_BY_NAME[scored["action"]]
            charges = node["monthlyCharges"]
            expected = scored["riskReduction"] * charges * 3 - action.cost(charges, 3)
            assert scored["expectedRevenueSaved"] == pytest.approx(expected, abs=1e-9)


@pytest.fixture
def unready_api(engine: Engine, tmp_path: Any) -> Iterator[TestClient]:
    """The app over an empty database: no model has ever been trained."""
    settings = Settings(
        database_url=str(engine.url.render_as_string(hide_password=False)), model_dir=tmp_path
    )
    with TestClient(create_app(settings), headers=bearer(make_key(engine))) as client:
        yield client


# CUST0000001 of the seeds.
SEED_PROFILE = {
    "tenureMonths": 2,
    "lastLoginDays": 26,
    "loginFrequency": 3,
    "avgSessionDuration": 92.6,
    "featureUsageCount": 25,
    "monthlyActiveDays": 6,
    "usageDropFlag": False,
    "subscriptionType": "Standard",
    "monthlyCharges": 905.87,
    "paymentFailures": 0,
    "discountApplied": False,
    "supportTicketCount": 1,
    "unresolvedTickets": 0,
}


def test_score_profile_before_any_model_is_model_not_ready(unready_api: TestClient) -> None:
    error = error_of(unready_api, SCORE, profile=SEED_PROFILE)
    assert error["extensions"]["code"] == "MODEL_NOT_READY"
