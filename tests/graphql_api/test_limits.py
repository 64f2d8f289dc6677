"""Every limit refuses cheaply, with a code and never a 5xx: depth, aliases, tokens, cost, page size,
batches, body size, time and the per-key rate."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query
from starlette.testclient import TestClient

from graphql_api.app import create_app
from graphql_api.limits import MAX_ALIASES, MAX_BODY_BYTES, MAX_COST, MAX_DEPTH, MAX_TOKENS
from retention.services import customers as customer_service
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

ONE_FIELD = "{ overview { customerCount } }"


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code < 500
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def _code(response: httpx.Response) -> str:
    (error,) = _errors(response)
    return str(error["extensions"]["code"])


def test_a_document_deeper_than_ten_levels_is_refused(api: TestClient) -> None:
    # Depth is counted on the document before field names are checked, so any nesting shows it.
    query = "{ " + "x { " * (MAX_DEPTH + 1) + "y" + " }" * (MAX_DEPTH + 1) + " }"

    response = api.post("/graphql", json={"query": query})

    codes = {e["extensions"]["code"] for e in _errors(response)}
    messages = " ".join(e["message"] for e in _errors(response))
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}
    assert f"maximum operation depth of {MAX_DEPTH}" in messages


def test_the_introspection_query_is_exempt_from_the_depth_limit(api: TestClient) -> None:
    response = api.post("/graphql", json={"query": get_introspection_query()})

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_thirty_aliases_pass_and_thirty_one_are_refused(api: TestClient) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: overview {{ customerCount }}" for i in range(count)) + " }"

    allowed = api.post("/graphql", json={"query": aliased(MAX_ALIASES)})
    refused = api.post("/graphql", json={"query": aliased(MAX_ALIASES + 1)})

    assert "errors" not in allowed.json()
    assert _code(refused) == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in _errors(refused)[0]["message"]


def test_a_document_of_more_than_two_thousand_tokens_is_refused_before_it_is_parsed_whole(
    api: TestClient,
) -> None:
    query = "{ overview { " + "customerCount " * MAX_TOKENS + "} }"

    response = api.post("/graphql", json={"query": query})

    assert _code(response) == "GRAPHQL_PARSE_FAILED"
    assert f"more than {MAX_TOKENS} tokens" in _errors(response)[0]["message"]


def test_a_page_over_one_hundred_is_bad_user_input_naming_the_argument(api: TestClient) -> None:
    response = api.post("/graphql", json={"query": "{ customers(first: 101) { totalCount } }"})

    assert _code(response) == "BAD_USER_INPUT"
    assert "first" in _errors(response)[0]["message"]


def test_an_operation_that_may_resolve_too_many_fields_is_refused_before_running(api: TestClient) -> None:
    page = "customers(first: $n) { edges { cursor node { id name email tenureMonths monthlyCharges " + (
        "risk { probability score tier modelVersion scoredAt customerId } } } }"
    )
    query = "query Big($n: Int!) { " + " ".join(f"p{i}: {page}" for i in range(8)) + " }"

    small = api.post("/graphql", json={"query": query, "variables": {"n": 5}})
    large = api.post("/graphql", json={"query": query, "variables": {"n": 100}})

    assert "errors" not in small.json()
    assert _code(large) == "GRAPHQL_VALIDATION_FAILED"
    (error,) = _errors(large)
    assert error["extensions"]["cost"] > MAX_COST and "limit" in error["message"]


def test_a_batch_of_operations_is_refused(api: TestClient) -> None:
    response = api.post("/graphql", json=[{"query": ONE_FIELD}, {"query": ONE_FIELD}])

    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST" and "batched" in _errors(response)[0]["message"]


def test_a_body_over_one_hundred_kb_is_413_from_its_declared_length(api: TestClient) -> None:
    body = b'{"query": "{ overview { customerCount } }", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'

    response = api.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413 and _code(response) == "BAD_REQUEST"


def test_a_chunked_body_over_one_hundred_kb_is_413_while_it_streams(api: TestClient) -> None:

    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ overview { customerCount } }", "pad": "'
        for _ in range(1000):  # 1 MB if it were all read
            yield b"x" * 1000
        yield b'"}'

    response = api.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and _code(response) == "BAD_REQUEST"


def test_an_operation_running_past_the_time_limit_answers_timeout(
    scored_database: ScoredDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()

    def stuck(**_: Any) -> None:
        released.wait(10)

    monkeypatch.setattr(customer_service, "latest_risk", stuck)
    app = create_app(scored_database.settings(operation_timeout_seconds=0.2))
    key = make_key(scored_database.engine)
    try:
        with TestClient(app, headers=bearer(key)) as client:
            response = client.post(
                "/graphql", json={"query": '{ riskScore(customerId: "CUST0000001") { score } }'}
            )
    finally:
        released.set()

    assert response.status_code == 200
    assert response.json()["data"] is None
    assert _code(response) == "TIMEOUT"


def test_a_key_over_its_rate_limit_is_told_when_to_retry(scored_database: ScoredDatabase) -> None:
    app = create_app(scored_database.settings(rate_limit_per_minute=2))
    key, other = make_key(scored_database.engine), make_key(scored_database.engine)
    with TestClient(app, headers=bearer(key)) as client:
        first = client.post("/graphql", json={"query": ONE_FIELD})
        second = client.post("/graphql", json={"query": ONE_FIELD})
        third = client.post("/graphql", json={"query": ONE_FIELD})
        another_key = client.post("/graphql", json={"query": ONE_FIELD}, headers=bearer(other))

    assert first.status_code == second.status_code == another_key.status_code == 200
    assert third.status_code == 429 and _code(third) == "RATE_LIMITED"
    retry = _errors(third)[0]["extensions"]["retryAfter"]
    # two a minute, both used this minute: room comes back as this minute slides out of the window
    assert retry == int(third.headers["retry-after"]) and 1 <= retry <= 91
