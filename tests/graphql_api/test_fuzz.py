"""Documents generated from the schema itself (hypothesis-graphql) never make the API fail on its side.

Every generated query and mutation is valid against the schema, with arbitrary argument values: the
answer may be a coded refusal (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, ...) but never a 5xx, never an
INTERNAL error and never an error without a code. Mutations go with a write key, so customer writes run
and the model and job mutations are refused for scope without starting training.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries
from starlette.testclient import TestClient

from graphql_api.app import create_app
from graphql_api.export_schema import live_sdl
from retention.access import Scope
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

SDL = live_sdl()
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "DateTime": st.datetimes(timezones=st.just(UTC) | st.none()).map(
        lambda moment: graphql.StringValueNode(value=moment.isoformat())
    )
    | st.text(max_size=30).map(lambda text: graphql.StringValueNode(value=text)),
    "JSON": st.just(graphql.StringValueNode(value="{}")),
}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def client(scored_database: ScoredDatabase) -> Iterator[TestClient]:
    with TestClient(create_app(scored_database.settings())) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def write_key(scored_database: ScoredDatabase) -> str:
    return make_key(scored_database.engine, Scope.WRITE)


def _assert_answered(client: TestClient, key: str, document: str) -> None:
    response = client.post("/graphql", json={"query": document}, headers=bearer(key))
    assert response.status_code < 500, (response.status_code, document, response.text[:500])
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, (document, error)
        assert code != "INTERNAL", (document, error)


def _custom(names: set[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    return {name: strategy for name, strategy in SCALARS.items() if name in names}


def _declared_scalars() -> set[str]:
    schema = graphql.build_schema(SDL)
    return {name for name, kind in schema.type_map.items() if isinstance(kind, graphql.GraphQLScalarType)}


@FUZZ
@given(data=st.data())
def test_generated_queries_get_coded_answers(client: TestClient, read_key: str, data: st.DataObject) -> None:
    document = data.draw(queries(SDL, custom_scalars=_custom(_declared_scalars())))
    _assert_answered(client, read_key, str(document))


@FUZZ
@given(data=st.data())
def test_generated_mutations_get_coded_answers(
    client: TestClient, write_key: str, data: st.DataObject
) -> None:
    if "type Mutation" not in SDL:
        pytest.skip("the schema has no mutations")
    document = data.draw(mutations(SDL, custom_scalars=_custom(_declared_scalars())))
    _assert_answered(client, write_key, str(document))
