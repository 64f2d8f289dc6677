"""Risk explained: drivers that add up, a history that pages, and changes that add up to their delta."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from retention.features import FEATURES, Kind
from tests.graphql_api.calls import data, error_of
from tests.graphql_api.history_fixture import CHANGED, NEVER_SCORED, SCORED_ONCE, History, give_history
from tests.support import ScoredDatabase

DRIVERS = "baseValue drivers { feature label value contribution description }"
LATEST = f"""
query Latest($id: ID!) {{
  customer(id: $id) {{
    id tenureMonths lastLoginDays loginFrequency avgSessionDuration featureUsageCount monthlyActiveDays
    usageDropFlag subscriptionType monthlyCharges paymentFailures discountApplied supportTicketCount
    unresolvedTickets
    risk {{ customerId probability modelVersion {DRIVERS} }}
  }}
}}"""
HISTORY = f"""
query History($id: ID!, $first: Int!, $after: String) {{
  customer(id: $id) {{
    riskHistory(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ cursor node {{ customerId probability scoredAt modelVersion {DRIVERS} }} }}
    }}
  }}
}}"""
CHANGE = """
query Change($id: ID!, $since: DateTime) {
  customer(id: $id) {
    riskChange(since: $since) {
      from { probability modelVersion scoredAt }
      to { probability modelVersion scoredAt }
      delta baseValueChange modelChanged
      drivers { feature label valueBefore valueAfter contribution }
    }
  }
}"""
COSTLY = """
{ customers(first: 100) { edges { node { riskHistory(first: 100) { edges { node { probability } } } } } } }"""
AFFORDABLE = """
{ customers(first: 100) { edges { node { riskHistory(first: 20) { edges { node { probability } } } } } } }"""
CAMEL = {
    column.name: "".join(p.title() if i else p for i, p in enumerate(column.name.split("_")))
    for column in FEATURES
}


@pytest.fixture(scope="module")
def history(scored_database: ScoredDatabase) -> History:
    return give_history(scored_database)


def _adds_up(risk: dict[str, Any]) -> None:
    drivers = risk["drivers"]
    assert sorted(d["feature"] for d in drivers) == sorted(c.name for c in FEATURES)
    total = risk["baseValue"] + sum(d["contribution"] for d in drivers)
    assert total == pytest.approx(risk["probability"], abs=1e-9)
    sizes = [abs(d["contribution"]) for d in drivers]
    assert sizes == sorted(sizes, reverse=True)
    assert all(d["label"] and d["description"].endswith("points") for d in drivers)


def _history(api: TestClient, customer_id: str, first: int = 100) -> list[dict[str, Any]]:
    page = data(api, HISTORY, id=customer_id, first=first)["customer"]["riskHistory"]
    return [edge["node"] for edge in page["edges"]]


def test_latest_drivers_list_every_feature_add_up_and_hold_the_customers_values(
    api: TestClient, history: History
) -> None:
    for customer_id in ("CUST0000042", CHANGED[0]):
        customer = data(api, LATEST, id=customer_id)["customer"]
        risk = customer["risk"]
        _adds_up(risk)
        assert risk["customerId"] == customer_id
        # the latest score was computed on the profile as stored now
        for driver in risk["drivers"]:
            assert driver["value"] == customer[CAMEL[driver["feature"]]], driver["feature"]
        kinds = {c.name: c.kind for c in FEATURES}
        flags = [d for d in risk["drivers"] if kinds[d["feature"]] is Kind.FLAG]
        assert all(isinstance(d["value"], bool) for d in flags)


def test_history_is_newest_first_every_entry_adds_up_and_keeps_its_own_values(
    api: TestClient, history: History
) -> None:
    customer_id = CHANGED[0]
    entries = _history(api, customer_id)

    assert len(entries) == 4
    times = [datetime.fromisoformat(e["scoredAt"]) for e in entries]
    assert times == sorted(times, reverse=True)
    for entry in entries:
        _adds_up(entry)
        assert entry["customerId"] == customer_id
    # the two oldest were scored before the changes, on the original values
    before = history.original[customer_id]
    tickets = [{d["feature"]: d["value"] for d in e["drivers"]}["unresolved_tickets"] for e in entries]
    original = int(before["unresolved_tickets"] or 0)
    assert tickets == [original + 6, original + 3, original, original]


def test_history_pages_walk_every_snapshot_once(api: TestClient, history: History) -> None:
    whole = _history(api, CHANGED[1])
    walked: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(api, HISTORY, id=CHANGED[1], first=1, after=after)["customer"]["riskHistory"]
        walked += [edge["node"] for edge in page["edges"]]
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == whole


def test_a_customer_never_scored_has_no_history_and_no_change(api: TestClient, history: History) -> None:
    page = data(api, HISTORY, id=NEVER_SCORED, first=5)["customer"]["riskHistory"]
    assert page == {"pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}
    assert data(api, CHANGE, id=NEVER_SCORED)["customer"]["riskChange"] is None


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"first": 101}, "first"),
        ({"first": 0}, "first"),
        ({"first": 5, "after": "bm9wZQ"}, "after"),
        ({"first": 5, "after": "WyJuYW4iLCAxXQ=="}, "after"),  # ["nan", 1]
        ({"first": 5, "after": "x" * 500}, "after"),
    ],
)
def test_bad_history_arguments_are_bad_user_input_naming_the_argument(
    api: TestClient, history: History, variables: dict[str, Any], named: str
) -> None:
    error = error_of(api, HISTORY, id=CHANGED[0], **variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(named)


def test_the_cost_limit_refuses_100_customers_with_100_history_entries_each(
    api: TestClient, history: History
) -> None:
    error = error_of(api, COSTLY)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["cost"] > 10_000
    assert len(data(api, AFFORDABLE)["customers"]["edges"]) == 100


def test_risk_change_adds_up_to_its_delta_and_names_the_values_that_moved(
    api: TestClient, history: History
) -> None:
    customer_id = CHANGED[2]
    entries = _history(api, customer_id)

    change = data(api, CHANGE, id=customer_id)["customer"]["riskChange"]

    # by default: from the previous snapshot to the latest
    assert change["to"]["probability"] == entries[0]["probability"]
    assert change["from"]["probability"] == entries[1]["probability"]
    assert change["from"]["scoredAt"] == entries[1]["scoredAt"]
    assert change["delta"] == pytest.approx(entries[0]["probability"] - entries[1]["probability"], abs=1e-15)
    total = change["baseValueChange"] + sum(d["contribution"] for d in change["drivers"])
    assert total == pytest.approx(change["delta"], abs=1e-12)
    assert change["modelChanged"] is False and change["baseValueChange"] == 0
    assert len(change["drivers"]) == len(FEATURES)
    moved = {d["feature"]: (d["valueBefore"], d["valueAfter"]) for d in change["drivers"]}
    tickets = int(history.original[customer_id]["unresolved_tickets"] or 0)
    assert moved["unresolved_tickets"] == (tickets + 3, tickets + 6)
    assert moved["last_login_days"] == (40, 80)
    assert moved["tenure_months"][0] == moved["tenure_months"][1]


def test_risk_change_since_a_moment_starts_from_the_score_as_it_stood_then(
    api: TestClient, history: History
) -> None:
    customer_id = CHANGED[0]
    entries = _history(api, customer_id)
    oldest = datetime.fromisoformat(entries[-1]["scoredAt"])

    change = data(api, CHANGE, id=customer_id, since=oldest.isoformat())["customer"]["riskChange"]
    before_all = data(api, CHANGE, id=customer_id, since=(oldest - timedelta(days=1)).isoformat())
    after_all = data(
        api, CHANGE, id=customer_id, since=datetime.fromisoformat(entries[0]["scoredAt"]).isoformat()
    )

    assert change["from"]["scoredAt"] == entries[-1]["scoredAt"]
    assert change["to"]["scoredAt"] == entries[0]["scoredAt"]
    total = change["baseValueChange"] + sum(d["contribution"] for d in change["drivers"])
    assert total == pytest.approx(change["delta"], abs=1e-12)
    # no score yet at that moment, and no new score since the latest: nothing to explain
    assert before_all["customer"]["riskChange"] is None
    assert after_all["customer"]["riskChange"] is None


def test_an_unchanged_rescore_changes_nothing_and_one_snapshot_has_no_change(
    api: TestClient, history: History
) -> None:
    unchanged = data(api, CHANGE, id="CUST0000042")["customer"]["riskChange"]
    once = data(api, CHANGE, id=SCORED_ONCE)["customer"]["riskChange"]

    assert unchanged["delta"] == 0
    assert all(d["contribution"] == 0 and d["valueBefore"] == d["valueAfter"] for d in unchanged["drivers"])
    assert once is None
