"""The GraphQL API over HTTP, answering from a trained, active model on SQLite and MySQL."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from retention.ml.matrix import matrix_from_profiles
from retention.services import customers as customer_service
from tests.support import ScoredDatabase

CUSTOMERS_PAGE = """
query Page($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name email subscriptionType monthlyCharges usageDropFlag churn
                          risk { probability score tier } } }
  }
}"""
CUSTOMER = "query One($id: ID!) { customer(id: $id) { id tenureMonths lastLoginDays risk { probability } } }"
RISK_SCORE = """
query Risk($id: ID!) {
  riskScore(customerId: $id) { customerId probability score tier modelVersion scoredAt }
}"""
DRIVERS = "query Drivers($limit: Int!) { churnDrivers(limit: $limit) { feature label importance } }"
OVERVIEW = """
{ overview { customerCount scoredCount highRiskCount monthlyRevenueAtRisk modelVersion
             tiers { tier count } } }"""


def _post(api: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _data(api: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = _post(api, query, **variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_customers_come_highest_risk_first_and_cursors_walk_every_page(api: TestClient) -> None:
    seen: list[tuple[str, float]] = []
    after = None
    while True:
        page = _data(api, CUSTOMERS_PAGE, first=100, after=after)["customers"]
        assert page["totalCount"] == 1000
        seen += [(e["node"]["id"], e["node"]["risk"]["probability"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    probabilities = [p for _, p in seen]
    assert len({cid for cid, _ in seen}) == 1000
    assert probabilities == sorted(probabilities, reverse=True)


def test_risk_score_is_the_active_models_prediction_for_that_customer(
    api: TestClient, scored_database: ScoredDatabase
) -> None:
    top = _data(api, CUSTOMERS_PAGE, first=1)["customers"]["edges"][0]["node"]

    risk = _data(api, RISK_SCORE, id=top["id"])["riskScore"]

    model = scored_database.load_model()
    profile = customer_service.get_customer(engine=scored_database.engine, customer_id=top["id"]).profile
    matrix = matrix_from_profiles([profile.values])
    expected = float(model.explain(matrix).probabilities[0])
    assert risk["probability"] == pytest.approx(expected, abs=1e-12)
    assert risk["probability"] == pytest.approx(float(model.churn_probability(matrix)[0]), abs=1e-5)
    assert risk["score"] == round(100 * expected)
    assert risk["tier"] == ("HIGH" if expected >= 0.5 else "MEDIUM" if expected >= 0.2 else "LOW")
    assert risk["modelVersion"] == scored_database.model_version
    assert risk["customerId"] == top["id"]


def test_customer_by_id_returns_the_imported_profile(api: TestClient) -> None:
    customer = _data(api, CUSTOMER, id="CUST0000042")["customer"]
    assert customer["id"] == "CUST0000042"
    assert isinstance(customer["tenureMonths"], int)
    assert 0 <= customer["risk"]["probability"] <= 1


@pytest.mark.parametrize("query", [CUSTOMER, RISK_SCORE])
def test_unknown_id_is_not_found_and_reveals_no_internals(api: TestClient, query: str) -> None:
    body = _post(api, query, id="CUST9999999")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "CUST9999999" in error["message"]
    assert "Traceback" not in str(body)


def test_churn_drivers_are_the_models_global_drivers_most_important_first(
    api: TestClient, scored_database: ScoredDatabase
) -> None:
    drivers = _data(api, DRIVERS, limit=5)["churnDrivers"]
    manifest = scored_database.load_model().manifest
    assert [d["feature"] for d in drivers] == [d["feature"] for d in manifest.drivers[:5]]
    importances = [d["importance"] for d in drivers]
    assert importances == sorted(importances, reverse=True)
    assert drivers[0]["label"]


def test_overview_counts_every_customer_and_splits_them_by_tier(api: TestClient) -> None:
    overview = _data(api, OVERVIEW)["overview"]
    assert overview["customerCount"] == overview["scoredCount"] == 1000
    assert sum(t["count"] for t in overview["tiers"]) == 1000
    assert overview["highRiskCount"] == overview["tiers"][0]["count"]
    assert overview["monthlyRevenueAtRisk"] > 0


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CUSTOMERS_PAGE, {"first": 1000}),
        (CUSTOMERS_PAGE, {"first": 10, "after": "bm9wZQ"}),
        (DRIVERS, {"limit": 0}),
    ],
)
def test_out_of_range_arguments_are_bad_user_input(
    api: TestClient, query: str, variables: dict[str, Any]
) -> None:
    (error,) = _post(api, query, **variables)["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_an_unexpected_failure_is_masked_as_internal(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("password=hunter2 at db.internal")

    monkeypatch.setattr(customer_service, "get_customer", broken)
    body = _post(api, CUSTOMER, id="CUST0000001")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in str(body)


def test_the_dashboard_is_served_under_its_prefix_to_a_signed_in_user(
    api: TestClient, scored_database: ScoredDatabase
) -> None:
    from retention.access import Role
    from retention.services import users

    users.create_user(
        engine=scored_database.engine, username="prefix", password="a long passphrase", role=Role.VIEWER
    )
    signed = api.post(
        "/signin",
        data={"username": "prefix", "password": "a long passphrase"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert api.get("/dashboard/").status_code == 200
    assert api.get("/", follow_redirects=False).headers["location"] == "/dashboard/"
    api.cookies.clear()
