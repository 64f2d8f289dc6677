"""Sending GraphQL documents to the test app and reading the answer."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def post(api: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The whole answer to `query` (HTTP 200 expected, as application/json answers are)."""
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data(api: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The data of an answer that must hold no error."""
    body = post(api, query, **variables)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    return found


def error_of(api: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The first error of an answer that must hold at least one."""
    body = post(api, query, **variables)
    assert body.get("errors"), body
    first: dict[str, Any] = body["errors"][0]
    return first
