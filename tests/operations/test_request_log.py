"""Every request has an id, returned in X-Request-ID and on its log line with the operation and the caller."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.access import Scope
from retention.services import api_keys
from tests.graphql_api.conftest import bearer
from tests.support import ScoredDatabase

PING = "query Ping { features { name } }"


@pytest.fixture(scope="module")
def keyed(scored_database: ScoredDatabase) -> tuple[str, str]:
    created = api_keys.create_key(engine=scored_database.engine, name="crm-sync", scope=Scope.READ)
    return created.secret, "crm-sync"


def _client(scored_database: ScoredDatabase, log_format: str = "text") -> Iterator[TestClient]:
    with TestClient(create_app(scored_database.settings(log_format=log_format))) as client:
        yield client


def _lines(capsys: pytest.CaptureFixture[str], marker: str) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if marker in line]


def test_a_callers_request_id_comes_back_and_names_the_log_line_with_operation_and_key(
    scored_database: ScoredDatabase, keyed: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    secret, name = keyed
    for client in _client(scored_database):
        response = client.post(
            "/graphql", json={"query": PING}, headers={**bearer(secret), "X-Request-ID": "trace-7f3a"}
        )

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-7f3a"
    (line,) = _lines(capsys, "POST /graphql")
    assert "req=trace-7f3a" in line and "op=Ping" in line and f"who={name}" in line
    assert re.search(r" 200 [0-9.]+ ms outcome=OK$", line), line
    assert " INFO retention.request " in line and re.search(r"pid=\d+", line)
    assert secret not in capsys.readouterr().err


@pytest.mark.parametrize("offered", [None, "", "has space", "x" * 65, "new\nline"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_fresh_one(
    scored_database: ScoredDatabase, keyed: tuple[str, str], offered: str | None
) -> None:
    headers = bearer(keyed[0]) | ({"X-Request-ID": offered} if offered is not None else {})
    for client in _client(scored_database):
        try:
            response = client.post("/graphql", json={"query": PING}, headers=headers)
        except Exception:  # httpx itself refuses a header with a newline: nothing to test there
            assert offered is not None and "\n" in offered
            return

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_a_refused_request_logs_its_code_as_the_outcome(
    scored_database: ScoredDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    for client in _client(scored_database):
        response = client.post("/graphql", json={"query": PING}, headers=bearer("rk_wrong"))

    (line,) = _lines(capsys, "POST /graphql")
    assert response.status_code == 401
    assert line.endswith("outcome=UNAUTHENTICATED") and "op=-" in line


def test_json_lines_carry_the_same_fields_as_one_object(
    scored_database: ScoredDatabase, keyed: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    secret, name = keyed
    for client in _client(scored_database, "json"):
        response = client.post("/graphql", json={"query": PING}, headers=bearer(secret))

    (line,) = _lines(capsys, '"POST /graphql')
    entry = json.loads(line)
    assert entry["request_id"] == response.headers["x-request-id"]
    assert (entry["level"], entry["logger"], entry["operation"], entry["principal"]) == (
        "INFO",
        "retention.request",
        "Ping",
        name,
    )
    assert entry["status"] == 200 and entry["duration_ms"] >= 0 and isinstance(entry["pid"], int)
    assert {"time", "message"} <= entry.keys()
