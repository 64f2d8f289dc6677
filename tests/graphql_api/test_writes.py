"""upsertCustomers and deleteCustomer: all or nothing, rescored in the same transaction, write scope only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from strawberry.utils.str_converters import to_camel_case

from graphql_api.app import create_app
from graphql_api.limits import MAX_BODY_BYTES
from retention.access import Scope
from retention.services.writes import MAX_UPSERT
from tests.factories import profile_rows
from tests.graphql_api.calls import data, error_of, post
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

UPSERT = """
mutation Upsert($customers: [CustomerInput!]!) {
  upsertCustomers(customers: $customers) {
    upserted
    customers { id monthlyCharges risk { probability modelVersion scoredAt } }
    errors { index field code message }
  }
}
"""
CUSTOMER = "query One($id: ID!) { customer(id: $id) { id monthlyCharges risk { probability } } }"
HISTORY = (
    "query H($id: ID!) { customer(id: $id) { riskHistory(first: 50) { edges { node { probability } } } } }"
)
SCORE_PROFILE = "query P($profile: CustomerProfileInput!) { scoreProfile(profile: $profile) { probability } }"
DELETE = "mutation D($id: ID!) { deleteCustomer(id: $id) { customerId deleted } }"
PROFILE_FIELDS = (
    "tenureMonths lastLoginDays loginFrequency avgSessionDuration featureUsageCount monthlyActiveDays "
    "usageDropFlag subscriptionType monthlyCharges paymentFailures discountApplied supportTicketCount "
    "unresolvedTickets"
).split()


def customers_input(count: int, *, prefix: str, seed: int = 11) -> list[dict[str, Any]]:
    """`count` generated customers as CustomerInput variables, with ids that start with `prefix`."""
    rows = []
    for i, row in enumerate(profile_rows(count, seed=seed)):
        item = {to_camel_case(name): value for name, value in row.items()}
        item["customerId"] = f"{prefix}-{i}"
        for flag in ("usageDropFlag", "discountApplied", "churn"):
            if item.get(flag) is not None:
                item[flag] = bool(item[flag])
        rows.append(item)
    return rows


@pytest.fixture(scope="module")
def writer(scored_database: ScoredDatabase) -> Iterator[TestClient]:
    """The app with a write key on every request."""
    key = make_key(scored_database.engine, Scope.WRITE)
    with TestClient(create_app(scored_database.settings()), headers=bearer(key)) as client:
        yield client


def _upsert(client: TestClient, customers: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = data(client, UPSERT, customers=customers)["upsertCustomers"]
    return payload


def _exists(client: TestClient, customer_id: str) -> bool:
    body = post(client, CUSTOMER, id=customer_id)
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        return False
    return True


def test_new_customers_are_stored_and_scored_by_the_served_model(
    writer: TestClient, scored_database: ScoredDatabase
) -> None:
    sent = customers_input(3, prefix="NEW")

    payload = _upsert(writer, sent)

    assert payload["upserted"] == 3 and payload["errors"] == []
    assert [c["id"] for c in payload["customers"]] == ["NEW-0", "NEW-1", "NEW-2"]
    for customer, item in zip(payload["customers"], sent, strict=True):
        assert customer["risk"]["modelVersion"] == scored_database.model_version
        profile = {name: item[name] for name in PROFILE_FIELDS}
        what_if = data(writer, SCORE_PROFILE, profile=profile)["scoreProfile"]["probability"]
        assert customer["risk"]["probability"] == pytest.approx(what_if, abs=1e-12)
        stored = data(writer, CUSTOMER, id=customer["id"])["customer"]
        assert stored["risk"]["probability"] == customer["risk"]["probability"]


def test_an_update_rescores_and_adds_one_snapshot_to_the_history(writer: TestClient) -> None:
    (item,) = customers_input(1, prefix="UPD")
    _upsert(writer, [item])
    before = data(writer, HISTORY, id="UPD-0")["customer"]["riskHistory"]["edges"]
    item["monthlyCharges"] = item["monthlyCharges"] + 40.0
    item["unresolvedTickets"] = 5

    (customer,) = _upsert(writer, [item])["customers"]

    after = data(writer, HISTORY, id="UPD-0")["customer"]["riskHistory"]["edges"]
    assert customer["monthlyCharges"] == item["monthlyCharges"]
    assert len(after) == len(before) + 1
    assert after[0]["node"]["probability"] == customer["risk"]["probability"]


def test_one_bad_value_refuses_the_whole_batch_and_writes_nothing(writer: TestClient) -> None:
    sent = customers_input(3, prefix="BAD")
    sent[1]["monthlyCharges"] = -5.0
    sent[2]["subscriptionType"] = "Platinum"

    payload = _upsert(writer, sent)

    assert payload["upserted"] == 0 and payload["customers"] == []
    problems = {(e["index"], e["field"], e["code"]) for e in payload["errors"]}
    assert problems == {(1, "monthlyCharges", "INVALID_VALUE"), (2, "subscriptionType", "INVALID_VALUE")}
    assert all(e["message"] for e in payload["errors"])
    assert not any(_exists(writer, f"BAD-{i}") for i in range(3))


def test_a_repeated_customer_id_is_named_at_its_second_place(writer: TestClient) -> None:
    sent = customers_input(3, prefix="DUP")
    sent[2]["customerId"] = sent[0]["customerId"]

    payload = _upsert(writer, sent)

    assert [(e["index"], e["field"], e["code"]) for e in payload["errors"]] == [
        (2, "customerId", "DUPLICATE_ID")
    ]
    assert not _exists(writer, "DUP-0")


def test_a_malformed_id_and_a_control_character_are_refused_by_the_importer_rules(writer: TestClient) -> None:
    sent = customers_input(2, prefix="RULE")
    sent[0]["customerId"] = "has space"
    sent[1]["name"] = "Nul\x00Name"

    payload = _upsert(writer, sent)

    assert {(e["index"], e["field"]) for e in payload["errors"]} == {(0, "customerId"), (1, "name")}


def test_more_than_the_batch_limit_is_bad_user_input(writer: TestClient) -> None:
    (item,) = customers_input(1, prefix="MANY")
    many = [{**item, "customerId": f"MANY-{i}"} for i in range(MAX_UPSERT + 1)]

    error = error_of(writer, UPSERT, customers=many)

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "1,000" in error["message"]
    assert not _exists(writer, "MANY-0")


def test_a_full_batch_fits_the_write_body_limit(writer: TestClient) -> None:
    sent = customers_input(MAX_UPSERT, prefix="FULL", seed=5)
    body = json.dumps({"query": UPSERT, "variables": {"customers": sent}})
    assert len(body) > MAX_BODY_BYTES  # over what a read key may send

    response = writer.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    payload = response.json()["data"]["upsertCustomers"]
    assert payload["upserted"] == MAX_UPSERT and all(c["risk"] for c in payload["customers"])


def test_a_read_key_may_not_write(api: TestClient) -> None:
    body = post(api, UPSERT, customers=customers_input(1, prefix="RO"))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not _exists(api, "RO-0")
    assert error_of(api, DELETE, id="NEW-0")["extensions"]["code"] == "FORBIDDEN"


def test_a_mutation_over_get_is_refused(writer: TestClient) -> None:
    response = writer.get(
        "/graphql", params={"query": 'mutation { deleteCustomer(id: "NEW-0") { deleted } }'}
    )

    assert response.status_code == 405


def test_delete_removes_the_customer_and_an_unknown_id_is_not_found(writer: TestClient) -> None:
    _upsert(writer, customers_input(1, prefix="DEL"))

    assert data(writer, DELETE, id="DEL-0")["deleteCustomer"] == {"customerId": "DEL-0", "deleted": True}
    assert not _exists(writer, "DEL-0")
    assert error_of(writer, DELETE, id="DEL-0")["extensions"]["code"] == "NOT_FOUND"
