import pytest

from dash_ui.api.client import ApiError, GraphQLClient


def test_execute_returns_the_data_of_the_answer(client_answering):
    client, transport = client_answering({"data": {"overview": {"customerCount": 3}}})

    data = client.execute("query { overview { customerCount } }", {"limit": 1})

    assert data == {"overview": {"customerCount": 3}}
    assert transport.payloads == [
        {"query": "query { overview { customerCount } }", "variables": {"limit": 1}}
    ]


def test_a_document_without_variables_is_sent_without_a_variables_key(client_answering):
    client, transport = client_answering({"data": {}})

    client.execute("query { a }")

    assert transport.payloads == [{"query": "query { a }"}]


def test_an_error_answer_raises_api_error_carrying_its_extensions_code(client_answering):
    # given
    answer = {"data": None, "errors": [{"message": "No customer CUST9", "extensions": {"code": "NOT_FOUND"}}]}
    client, _ = client_answering(answer)

    # when
    with pytest.raises(ApiError) as raised:
        client.execute('query { customer(id: "CUST9") { id } }')

    # then
    assert raised.value.code == "NOT_FOUND"
    assert raised.value.message == "No customer CUST9"
    assert str(raised.value) == "NOT_FOUND: No customer CUST9"


def test_an_error_without_a_code_is_internal(client_answering):
    client, _ = client_answering({"errors": [{"message": "Syntax Error"}]})

    with pytest.raises(ApiError) as raised:
        client.execute("query {")

    assert raised.value.code == "INTERNAL"


def test_partial_data_with_errors_still_raises_rather_than_drawing_half_a_page(client_answering):
    answer = {"data": {"a": 1}, "errors": [{"message": "b failed", "extensions": {"code": "FORBIDDEN"}}]}
    client, _ = client_answering(answer)

    with pytest.raises(ApiError) as raised:
        client.execute("query { a b }")

    assert raised.value.code == "FORBIDDEN"


def test_an_answer_without_data_is_an_api_error(client_answering):
    client, _ = client_answering({"data": None})

    with pytest.raises(ApiError) as raised:
        client.execute("query { a }")

    assert raised.value.code == "BAD_RESPONSE"


def test_transport_errors_reach_the_caller_as_api_errors():
    class DownTransport:
        def post(self, payload):
            raise ApiError("connection refused", "UNAVAILABLE")

    with pytest.raises(ApiError) as raised:
        GraphQLClient(DownTransport()).execute("query { a }")

    assert raised.value.code == "UNAVAILABLE"
