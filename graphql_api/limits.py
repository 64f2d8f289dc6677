"""The limits every GraphQL document meets, checked cheaply and before any resolver runs.

Parsing and validation are done once per distinct small document and kept in a bounded cache; large
documents are parsed in a small thread pool, never on the event loop, and never cached, so no client can
stall other requests or grow the process. The validation rules are built once, at import: Strawberry's
QueryDepthLimiter and MaxAliasesLimiter make a new rule class each time they are constructed (once per
request as schema extensions), which made every request a validation-cache miss.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_object_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from retention.logs import current_request

MAX_BODY_BYTES = 100_000
# Keys that may write send batches of customers: up to 1,000 at about 500 bytes each.
MAX_WRITE_BODY_BYTES = 1_000_000
MAX_TOKENS = 2_000
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_COST = 10_000
# An operation's name as logged and counted: a name is as long as the body allows.
MAX_LOGGED_NAME = 100
MAX_JSON_DEPTH = 20
# Documents up to this size are parsed and validated on the loop (well under a millisecond) and cached.
INLINE_DOCUMENT_CHARS = 8_000
CACHED_DOCUMENTS = 128
PAGE_ARGUMENTS = ("first", "limit", "bins")
# Larger page arguments are refused by their resolvers (BAD_USER_INPUT, naming the argument): count them
# at that ceiling, so the argument's own error is the one a client sees.
MAX_PAGE_SIZE = 100

RULES = (
    *specified_rules,
    depth_rule(MAX_DEPTH, None),  # introspection fields (__schema, __type) are not counted
    alias_rule(MAX_ALIASES),
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)

# One thread for large documents, apart from the pool resolvers use for the database: parsing holds the
# GIL, so more threads would only take more turns from the event loop.
_heavy_pool: concurrent.futures.ThreadPoolExecutor | None = None
_heavy_pool_lock = threading.Lock()


def has_lone_surrogate(text: str) -> bool:
    """True when `text` holds a lone surrogate (JSON can carry one; no database or encoder can)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")  # at C speed; a Python loop over a 90 KB document costs milliseconds
    except UnicodeEncodeError:
        return True
    return False


def coded(error: GraphQLError, code: str) -> GraphQLError:
    """The same error with extensions.code set."""
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


@dataclass(frozen=True)
class Prepared:
    """A document parsed and validated: the document (None when it did not parse) and its errors."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]


def prepare(schema: GraphQLSchema, query: str) -> Prepared:
    """Parse (at most MAX_TOKENS tokens) and validate `query` against every rule."""
    if has_lone_surrogate(query):
        return Prepared(
            None,
            (
                GraphQLError(
                    "Syntax Error: the document holds a lone surrogate.",
                    extensions={"code": "GRAPHQL_PARSE_FAILED"},
                ),
            ),
        )
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return Prepared(None, (coded(error, "GRAPHQL_PARSE_FAILED"),))
    except RecursionError:
        message = "Syntax Error: the document is nested too deeply."
        return Prepared(None, (GraphQLError(message, extensions={"code": "GRAPHQL_PARSE_FAILED"}),))
    try:
        errors = validate(schema, document, RULES)
    except RecursionError:
        errors = [GraphQLError(f"the document is nested deeper than {MAX_DEPTH} levels")]
    return Prepared(document, tuple(coded(error, "GRAPHQL_VALIDATION_FAILED") for error in errors))


class PreparedDocuments:
    """An LRU of small prepared documents: bounded in entries and, through INLINE_DOCUMENT_CHARS, in bytes."""

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        self._size = size
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def get(self, query: str) -> Prepared | None:
        prepared = self._entries.get(query)
        if prepared is not None:
            self._entries.move_to_end(query)
        return prepared

    def put(self, query: str, prepared: Prepared) -> None:
        self._entries[query] = prepared
        self._entries.move_to_end(query)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _heavy_pool
    with _heavy_pool_lock:
        if _heavy_pool is None:
            _heavy_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="graphql-parse")
        return _heavy_pool


async def prepare_off_loop(schema: GraphQLSchema, query: str, cache: PreparedDocuments) -> Prepared:
    """A prepared document: from the cache, on the loop when small, in the parse pool when large."""
    if len(query) <= INLINE_DOCUMENT_CHARS:
        prepared = cache.get(query)
        if prepared is None:
            prepared = prepare(schema, query)
            cache.put(query, prepared)
        return prepared
    return await asyncio.get_running_loop().run_in_executor(_pool(), prepare, schema, query)


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> int:
    """Fields the operation may resolve: each field counts once per item of every list above it.

    A list's size is its `first`/`limit`/`bins` argument (after defaults and variables); lists without
    one are bounded by the schema (e.g. the features) and count once.
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _cost(schema, root, operation.selection_set, 1, fragments, variables)


def _cost(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selections: SelectionSetNode,
    multiplier: int,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> int:
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            definition = parent.fields.get(name)
            if name.startswith("__") or definition is None:
                continue  # introspection is exempt; unknown fields were refused by validation
            total += multiplier
            if selection.selection_set is None:
                continue
            arguments = get_argument_values(definition, selection, variables)
            size = next((arguments[a] for a in PAGE_ARGUMENTS if isinstance(arguments.get(a), int)), 1)
            child = get_named_type(definition.type)
            if is_object_type(child):
                total += _cost(
                    schema,
                    child,
                    selection.selection_set,
                    multiplier * min(max(size, 1), MAX_PAGE_SIZE),
                    fragments,
                    variables,
                )
        else:
            fragment: FragmentDefinitionNode | InlineFragmentNode | None = (
                fragments.get(selection.name.value)
                if isinstance(selection, FragmentSpreadNode)
                else selection
                if isinstance(selection, InlineFragmentNode)
                else None
            )
            if fragment is None:
                continue
            condition = fragment.type_condition
            target = schema.get_type(condition.name.value) if condition else parent
            if is_object_type(target):
                total += _cost(schema, target, fragment.selection_set, multiplier, fragments, variables)
    return total


class DocumentGate(SchemaExtension):
    """Hands Strawberry prepared documents, then checks variables and cost before execution."""

    def __init__(self, cache: PreparedDocuments) -> None:
        super().__init__()
        self.cache = cache
        self._errors: list[GraphQLError] = []

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            prepared = await prepare_off_loop(context.schema._schema, context.query, self.cache)
            if prepared.document is None:
                raise prepared.errors[0]
            context.graphql_document = prepared.document
            self._errors = list(prepared.errors)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = list(self._errors)
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refusal = self._refusal()
        if refusal:
            context.result = ExecutionResult(data=None, errors=refusal)
        yield

    def _refusal(self) -> list[GraphQLError]:
        context = self.execution_context
        schema = context.schema._schema
        document = context.graphql_document
        assert document is not None
        # What the client sent: `operation_name` falls back to the first operation, which the spec forbids.
        asked: str | None = getattr(context, "_provided_operation_name", None)
        operation = get_operation_ast(document, asked)
        record = current_request()
        if record is not None and operation is not None and operation.name is not None:
            # The name the document gives its operation, when the request did not repeat it.
            record.operation = operation.name.value[:MAX_LOGGED_NAME]
        if operation is None:
            message = (
                "the document holds several operations: name one with operationName"
                if asked is None
                else f"the document has no operation named {asked!r}"
            )
            return [GraphQLError(message, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})]
        variables = get_variable_values(
            schema, operation.variable_definitions or (), context.variables or {}, max_errors=10
        )
        if isinstance(variables, list):
            return [coded(error, "BAD_USER_INPUT") for error in variables]
        cost = estimate_cost(schema, document, operation, variables)
        if cost > MAX_COST:
            message = (
                f"the operation may resolve {cost:,} fields (each list's first/limit multiplies what is "
                f"under it); the limit is {MAX_COST:,}: ask for smaller pages"
            )
            return [GraphQLError(message, extensions={"code": "GRAPHQL_VALIDATION_FAILED", "cost": cost})]
        return []
