"""The pieces behind the limits, on small schemas built here: scope permissions, the cost estimate,
the prepared-document cache and the rate limiter."""

from __future__ import annotations

import asyncio

import strawberry
from graphql import get_operation_ast, parse
from graphql.execution.values import get_variable_values

from graphql_api.context import Context
from graphql_api.errors import MaskUnexpectedErrors
from graphql_api.limits import (
    INLINE_DOCUMENT_CHARS,
    MAX_COST,
    DocumentGate,
    PreparedDocuments,
    estimate_cost,
    prepare_off_loop,
)
from graphql_api.permissions import NeedsAdmin, NeedsWrite
from retention.access import Principal, PrincipalKind, Scope


@strawberry.type
class Entry:
    value: int


@strawberry.type
class Item:
    id: int

    @strawberry.field
    def history(self, first: int = 20) -> list[Entry]:
        return [Entry(value=i) for i in range(first)]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, first: int = 10) -> list[Item]:
        return [Item(id=i) for i in range(first)]


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[NeedsWrite])
    def upsert(self) -> str:
        return "written"

    @strawberry.mutation(permission_classes=[NeedsAdmin])
    def train(self) -> str:
        return "trained"


def _schema(cache: PreparedDocuments | None = None) -> strawberry.Schema:
    documents = cache if cache is not None else PreparedDocuments()
    return strawberry.Schema(
        query=Query, mutation=Mutation, extensions=[MaskUnexpectedErrors, lambda: DocumentGate(documents)]
    )


def _as(scope: Scope) -> Context:
    principal = Principal(name=f"a {scope.value} key", scope=scope, kind=PrincipalKind.API_KEY)
    return Context(runtime=None, principal=principal, request_id="test")  # type: ignore[arg-type]


def _run(
    schema: strawberry.Schema, query: str, scope: Scope, **variables: object
) -> strawberry.types.ExecutionResult:
    return asyncio.run(schema.execute(query, variable_values=variables, context_value=_as(scope)))


def _codes(result: strawberry.types.ExecutionResult) -> list[str]:
    return [error.extensions["code"] for error in result.errors or []]  # type: ignore[index]


def test_a_read_key_is_forbidden_any_write_and_a_write_key_any_model_change() -> None:
    schema = _schema()

    read_upsert = _run(schema, "mutation { upsert }", Scope.READ)
    write_upsert = _run(schema, "mutation { upsert }", Scope.WRITE)
    write_train = _run(schema, "mutation { train }", Scope.WRITE)
    admin_both = _run(schema, "mutation { upsert train }", Scope.ADMIN)

    assert _codes(read_upsert) == ["FORBIDDEN"] and "write scope" in read_upsert.errors[0].message  # type: ignore[index]
    assert write_upsert.data == {"upsert": "written"}
    assert _codes(write_train) == ["FORBIDDEN"] and "admin scope" in write_train.errors[0].message  # type: ignore[index]
    assert admin_both.data == {"upsert": "written", "train": "trained"}


def _cost(schema: strawberry.Schema, query: str, **variables: object) -> int:
    graphql_schema = schema._schema
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    coerced = get_variable_values(graphql_schema, operation.variable_definitions or (), dict(variables))
    assert not isinstance(coerced, list)
    return estimate_cost(graphql_schema, document, operation, coerced)


def test_nested_list_sizes_multiply_through_the_cost() -> None:
    schema = _schema()

    flat = _cost(schema, "{ items(first: 100) { id } }")
    nested = _cost(
        schema, "query Q($n: Int!) { items(first: 100) { id history(first: $n) { value } } }", n=100
    )
    fragment = _cost(
        schema, "{ items(first: 100) { ...F } } fragment F on Item { history(first: 100) { value } }"
    )

    assert flat == 1 + 100
    assert nested == 1 + 100 * 2 + 100 * 100 > MAX_COST
    assert fragment == 1 + 100 + 100 * 100


def test_one_hundred_items_with_one_hundred_history_entries_each_are_refused_before_running() -> None:
    result = _run(_schema(), "{ items(first: 100) { history(first: 100) { value } } }", Scope.READ)

    assert result.data is None
    assert _codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "limit is 10,000" in result.errors[0].message  # type: ignore[index]


def test_a_repeated_small_document_is_parsed_and_validated_once() -> None:
    cache = PreparedDocuments()
    schema = _schema(cache)

    first = _run(schema, "{ items(first: 2) { id } }", Scope.READ)
    second = _run(schema, "{ items(first: 2) { id } }", Scope.READ)
    invalid = _run(schema, "{ nope }", Scope.READ)
    invalid_again = _run(schema, "{ nope }", Scope.READ)

    assert first.data == second.data == {"items": [{"id": 0}, {"id": 1}]}
    assert _codes(invalid) == _codes(invalid_again) == ["GRAPHQL_VALIDATION_FAILED"]
    assert len(cache) == 2


def test_large_documents_are_never_cached_and_the_cache_stays_bounded() -> None:
    cache = PreparedDocuments(size=8)
    schema = _schema(cache)._schema
    large = "{ items { id } }" + " " * INLINE_DOCUMENT_CHARS

    async def prepare_many() -> None:
        await prepare_off_loop(schema, large, cache)
        for n in range(50):
            await prepare_off_loop(schema, f"{{ items(first: {n}) {{ id }} }}", cache)

    asyncio.run(prepare_many())

    assert len(cache) == 8


def test_server_paths_are_taken_out_of_messages_and_nothing_else() -> None:
    from graphql_api.errors import public_message

    assert (
        public_message("cannot read /srv/models/v2/model.joblib: gone") == "cannot read <server path>: gone"
    )
    assert (
        public_message("no model version 'v9' in data/models/prod")
        == "no model version 'v9' in <server path>"
    )
    assert (
        public_message("first must be between 1 and 100 (got 1000)")
        == "first must be between 1 and 100 (got 1000)"
    )
