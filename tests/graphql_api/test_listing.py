"""The customers listing over HTTP: filters and orders as arguments, coded refusals, totalCount only on
demand, and the declared feature schema a client builds its forms from."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from retention import features
from tests.graphql_api.calls import data, error_of

LISTING = """
query Listing($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor node {
        id name monthlyCharges tenureMonths subscriptionType expectedLoss risk { probability score tier }
      }
    }
  }
}"""
COUNTED = """
query Counted($filter: CustomerFilter) { customers(first: 1, filter: $filter) { totalCount } }"""
FEATURES = """
{ features { name column label description kind role modelInput required unit minimum maximum maxLength
             categories } }"""


def _walk(api: TestClient, **arguments: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(api, LISTING, first=100, after=after, **arguments)["customers"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_the_highest_expected_loss_comes_first_across_pages(api: TestClient) -> None:
    nodes = _walk(api, orderBy={"field": "EXPECTED_LOSS", "direction": "DESC"})
    losses = [n["expectedLoss"] for n in nodes]
    assert len({n["id"] for n in nodes}) == len(nodes) == 1000
    assert all(a >= b - 1e-9 for a, b in zip(losses, losses[1:], strict=False))
    # the field is the product the order sorts by
    assert all(
        n["expectedLoss"] == pytest.approx(n["risk"]["probability"] * n["monthlyCharges"]) for n in nodes
    )


def test_a_filtered_listing_holds_exactly_the_customers_it_names_and_counts_them(api: TestClient) -> None:
    riskiest = data(api, LISTING, first=1)["customers"]["edges"][0]["node"]
    wanted = {"tier": riskiest["risk"]["tier"], "subscriptionType": riskiest["subscriptionType"]}
    nodes = _walk(api, filter=wanted, orderBy={"field": "TENURE", "direction": "ASC"})
    assert riskiest["id"] in {n["id"] for n in nodes}
    assert {(n["risk"]["tier"], n["subscriptionType"]) for n in nodes} == {
        (wanted["tier"], wanted["subscriptionType"])
    }
    tenures = [n["tenureMonths"] for n in nodes]
    assert tenures == sorted(tenures)
    assert data(api, COUNTED, filter=wanted)["customers"]["totalCount"] == len(nodes)


def test_a_score_range_lists_only_scores_inside_it(api: TestClient) -> None:
    nodes = _walk(api, filter={"minScore": 40, "maxScore": 60})
    assert nodes and all(40 <= n["risk"]["score"] <= 60 for n in nodes)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"after": "bm90IGEgY3Vyc29y"}, "after: not a cursor this API issued"),
        ({"filter": {"minScore": 101}}, "filter.minScore must be between 0 and 100 (got 101)"),
        (
            {"filter": {"subscriptionType": "Gold"}},
            "filter.subscriptionType must be one of Basic, Standard, Premium",
        ),
        ({"filter": {"search": ""}}, "filter.search is empty"),
        ({"first": 101}, "first must be between 1 and 100 (got 101)"),
    ],
)
def test_a_bad_argument_is_a_coded_error_naming_it(
    api: TestClient, arguments: dict[str, Any], message: str
) -> None:
    error = error_of(api, LISTING, **{"first": 10, **arguments})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(message)


def test_a_cursor_of_another_order_is_refused_rather_than_misread(api: TestClient) -> None:
    cursor = data(api, LISTING, first=5)["customers"]["pageInfo"]["endCursor"]
    error = error_of(api, LISTING, first=5, after=cursor, orderBy={"field": "NAME", "direction": "ASC"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("after: this cursor belongs to the SCORE DESC order, not NAME ASC")


def test_an_unknown_order_field_is_refused_by_validation(api: TestClient) -> None:
    error = error_of(api, LISTING, first=5, orderBy={"field": "PROFIT"})
    assert "PROFIT" in error["message"]


def _counts(statements: list[str]) -> list[str]:
    return [s for s in statements if "count(" in s.lower() and "FROM customers" in s]


def test_the_total_is_counted_only_when_asked_for(api: TestClient, statements: list[str]) -> None:
    data(api, LISTING, first=10)
    assert _counts(statements) == []
    assert data(api, COUNTED)["customers"]["totalCount"] == 1000
    assert len(_counts(statements)) == 1


def test_features_describe_every_declared_column_as_graphql_names_it(api: TestClient) -> None:
    listed = data(api, FEATURES)["features"]
    assert [f["column"] for f in listed] == [c.name for c in features.COLUMNS]
    by_name = {f["name"]: f for f in listed}
    tenure = by_name["tenureMonths"]
    assert (tenure["kind"], tenure["unit"], tenure["minimum"], tenure["maximum"]) == (
        "INT",
        "months",
        0,
        1200,
    )
    assert tenure["modelInput"] is True and tenure["role"] == "FEATURE"
    plan = by_name["subscriptionType"]
    assert (plan["kind"], plan["categories"]) == ("CATEGORY", ["Basic", "Standard", "Premium"])
    assert by_name["healthScore"]["modelInput"] is False and by_name["healthScore"]["required"] is False
    assert by_name["email"]["maxLength"] == 254 and by_name["email"]["minimum"] is None
    assert {f["name"] for f in listed if f["modelInput"]} == {
        n for n in by_name if by_name[n]["role"] == "FEATURE"
    }


AT = """
query At($offset: Int, $after: String, $orderBy: CustomerOrder) {
  customers(first: 50, offset: $offset, after: $after, orderBy: $orderBy) { edges { node { id } } }
}"""


@pytest.mark.parametrize(
    "order", [None, {"field": "EXPECTED_LOSS", "direction": "DESC"}, {"field": "NAME", "direction": "ASC"}]
)
def test_a_page_at_an_offset_is_that_stretch_of_the_walked_listing(
    api: TestClient, order: dict[str, str] | None
) -> None:
    walked = [node["id"] for node in _walk(api, orderBy=order)]

    for offset in (0, 37, 500, len(walked) - 10):
        page = data(api, AT, offset=offset, orderBy=order)["customers"]["edges"]
        assert [edge["node"]["id"] for edge in page] == walked[offset : offset + 50]


def test_an_offset_with_a_cursor_or_out_of_range_is_bad_user_input(api: TestClient) -> None:
    cursor = data(api, LISTING, first=1)["customers"]["pageInfo"]["endCursor"]

    for variables in ({"offset": 5, "after": cursor}, {"offset": -1}, {"offset": 10_000_001}):
        error = error_of(api, AT, **variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "offset" in error["message"]
