"""GraphQL over HTTP as its spec says, and a coded 4xx-class answer for every malformed request."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.errors import ModelNotReady
from retention.runtime import Runtime
from retention.services import customers as customer_service
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

RISK = "query Risk($id: ID!) { riskScore(customerId: $id) { score } }"
PAGE = "query Page($after: String) { customers(first: 2, after: $after) { edges { node { id } } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _only_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500 or response.status_code == 503, response.text
    body = response.json()
    (error,) = body["errors"]
    assert "Traceback" not in response.text and "/work/" not in response.text
    return dict(error)


def _raw(api: TestClient, body: bytes) -> httpx.Response:
    return api.post("/graphql", content=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("body", [b"null", b'"a string"', b"42", b"true", b"{", b"", b'{"query": NaN}'])
def test_a_body_that_is_not_a_json_object_is_a_400_bad_request(api: TestClient, body: bytes) -> None:
    response = _raw(api, body)

    assert response.status_code == 400
    assert _only_error(response)["extensions"]["code"] == "BAD_REQUEST"


def test_a_body_that_is_not_utf8_is_a_400_bad_request(api: TestClient) -> None:
    response = _raw(api, b'{"query": "{ overview { customerCount } }", "x": "\xff\xfe"}')

    assert response.status_code == 400
    assert "UTF-8" in _only_error(response)["message"]


def test_deeply_nested_json_in_the_body_is_a_400(api: TestClient) -> None:
    response = _raw(api, b"[" * 50_000 + b"]" * 50_000)

    assert response.status_code == 400
    assert _only_error(response)["extensions"]["code"] == "BAD_REQUEST"


def test_deeply_nested_json_in_the_variables_is_bad_user_input(api: TestClient) -> None:
    deep = "[" * 500 + "]" * 500  # deeper than the JSON parser's own limit is refused with the body
    body = f'{{"query": "{RISK}", "variables": {{"id": {deep}}}}}'.encode()

    error = _only_error(_raw(api, body))

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "$id" in error["message"]


def test_a_body_sent_as_another_media_type_is_415(api: TestClient) -> None:
    response = api.post(
        "/graphql", content=b"{ overview { customerCount } }", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415


@pytest.mark.parametrize(
    ("variables", "name"), [({}, "$id"), ({"id": {"a": 1}}, "$id"), ({"id": ["x"]}, "$id")]
)
def test_a_missing_or_mistyped_variable_is_bad_user_input_naming_it(
    api: TestClient, variables: dict[str, Any], name: str
) -> None:
    response = api.post("/graphql", json={"query": RISK, "variables": variables})

    error = _only_error(response)
    assert response.status_code == 200
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and name in error["message"]


def test_a_lone_surrogate_in_a_variable_is_bad_user_input(api: TestClient) -> None:
    body = b'{"query": "%s", "variables": {"id": "\\ud800"}}' % RISK.encode()

    error = _only_error(_raw(api, body))

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "surrogate" in error["message"]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor('[NaN, "CUST0000001"]'),
        _cursor('[Infinity, "CUST0000001"]'),
        _cursor('[0.5, "\\ud800"]'),
        _cursor("[" * 300 + "]" * 300),
        _cursor('[0.5, "' + "C" * 300 + '"]'),
        _cursor("[1e400, 1]"),
        "%%%",
        "A" * 5000,
    ],
)
def test_a_forged_cursor_is_bad_user_input_naming_after(api: TestClient, cursor: str) -> None:
    error = _only_error(api.post("/graphql", json={"query": PAGE, "variables": {"after": cursor}}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "after" in error["message"]


def test_a_document_that_does_not_parse_is_400_under_the_graphql_media_type_and_200_under_json(
    api: TestClient,
) -> None:
    graphql = api.post("/graphql", json={"query": "{ overview {"}, headers={"Accept": GRAPHQL_RESPONSE})
    plain = api.post("/graphql", json={"query": "{ overview {"}, headers={"Accept": "application/json"})

    assert graphql.status_code == 400 and graphql.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/json")
    for response in (graphql, plain):
        assert _only_error(response)["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert "data" not in response.json()


def test_an_unknown_field_is_a_validation_failure(api: TestClient) -> None:
    response = api.post("/graphql", json={"query": "{ nope }"}, headers={"Accept": GRAPHQL_RESPONSE})

    assert response.status_code == 400
    assert _only_error(response)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_successful_answer_under_the_graphql_media_type_is_200_with_data(api: TestClient) -> None:
    response = api.post(
        "/graphql", json={"query": "{ overview { customerCount } }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 200 and response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"overview": {"customerCount": 1000}}}


def test_several_operations_need_an_operation_name(api: TestClient) -> None:
    document = "query A { overview { customerCount } } query B { overview { scoredCount } }"

    unnamed = api.post("/graphql", json={"query": document})
    named = api.post("/graphql", json={"query": document, "operationName": "B"})
    unknown = api.post("/graphql", json={"query": document, "operationName": "C"})

    assert unnamed.status_code == 200
    error = _only_error(unnamed)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "operationName" in error["message"]
    assert named.json() == {"data": {"overview": {"scoredCount": 1000}}}
    assert _only_error(unknown)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_query_can_be_sent_with_get_but_a_mutation_cannot(api: TestClient) -> None:
    query = api.get("/graphql", params={"query": RISK, "variables": json.dumps({"id": "CUST0000001"})})
    mutation = api.get("/graphql", params={"query": "mutation { x }"})

    assert query.status_code == 200 and "score" in query.json()["data"]["riskScore"]
    assert mutation.status_code == 405


def test_an_unexpected_failure_is_internal_with_a_request_id_that_is_also_logged(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/db.py")

    monkeypatch.setattr(customer_service, "latest_risk", broken)
    with caplog.at_level(logging.ERROR):
        response = api.post("/graphql", json={"query": RISK, "variables": {"id": "CUST0000001"}})

    error = _only_error(response)
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL" and request_id in error["message"]
    assert "hunter2" not in response.text and "/srv/" not in response.text
    assert request_id in caplog.text and "hunter2" in caplog.text


def test_a_database_error_is_unavailable_without_sql_or_detail(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(**_: Any) -> None:
        raise OperationalError("SELECT secret FROM customers", {}, ConnectionRefusedError("refused"))

    monkeypatch.setattr(customer_service, "latest_risk", gone)
    response = api.post("/graphql", json={"query": RISK, "variables": {"id": "CUST0000001"}})

    error = _only_error(response)
    assert error["extensions"]["code"] == "UNAVAILABLE" and "retry" in error["message"]
    assert "SELECT" not in response.text


def test_a_database_that_cannot_be_reached_answers_503_unavailable_at_once(tmp_path: Any) -> None:
    # given a server whose database is down (nothing listens on port 9)
    from retention.config import Settings

    settings = Settings(database_url="mysql+pymysql://root@127.0.0.1:9/none", model_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/graphql", json={"query": "{ overview { customerCount } }"}, headers=bearer("rtn_" + "k" * 43)
        )

    assert response.status_code == 503 and response.headers["retry-after"]
    assert _only_error(response)["extensions"]["code"] == "UNAVAILABLE"


def test_a_broken_active_model_answers_model_not_ready_without_a_server_path(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(self: Runtime) -> None:
        raise ModelNotReady(
            "model v2 is active but cannot be served: checksum mismatch for /srv/models/v2/model.joblib"
        )

    monkeypatch.setattr(Runtime, "active_model", refused)
    response = api.post("/graphql", json={"query": "{ model { version } }"})

    error = _only_error(response)
    assert error["extensions"]["code"] == "MODEL_NOT_READY" and "checksum mismatch" in error["message"]
    assert "/srv" not in response.text and "model.joblib" not in response.text


def test_every_answer_has_a_code_on_every_error(api: TestClient, scored_database: ScoredDatabase) -> None:
    documents = [
        "{ overview {",
        "{ nope }",
        '{ customer(id: "NOPE") { id } }',
        "{ customers(first: 0) { totalCount } }",
    ]
    for document in documents:
        for error in api.post("/graphql", json={"query": document}).json()["errors"]:
            assert error["extensions"]["code"], error
    assert make_key(scored_database.engine)


def test_a_fault_outside_any_operation_is_a_coded_internal_error_that_is_logged(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from graphql_api import http

    def broken(request: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(http, "internal_principal", broken)
    with caplog.at_level(logging.ERROR):
        response = api.post("/graphql", json={"query": "{ overview { customerCount } }"})

    assert response.status_code == 500
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL" and "secret detail" not in response.text
    assert error["extensions"]["requestId"] in caplog.text and "secret detail" in caplog.text


def test_a_lone_surrogate_in_the_operation_name_is_a_400_not_a_crash(api: TestClient) -> None:
    body = b'{"query": "{ overview { customerCount } }", "operationName": "\\udc00"}'

    response = _raw(api, body)

    assert response.status_code == 400
    assert _only_error(response)["extensions"]["code"] == "BAD_REQUEST"
