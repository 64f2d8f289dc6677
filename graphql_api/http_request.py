"""Reading a GraphQL request off HTTP: the body measured before it is decoded, JSON checked for depth and
lone surrogates, the shape checked, one operation out (batches refused)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from strawberry.types.graphql import OperationType

from graphql_api.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, has_lone_surrogate

JSON = "application/json"


class Refusal(Exception):
    """A request answered with one coded error and no execution."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}
        self.extensions: dict[str, Any] = {}


@dataclass(frozen=True)
class Operation:
    """One operation as the client sent it, and the operation types its HTTP method allows."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    allowed: frozenset[OperationType]


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_large = Refusal(413, "BAD_REQUEST", f"the request body is over {limit:,} bytes")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    chunks, size = [], 0
    try:
        async for chunk in request.stream():  # counted as it arrives: chunked bodies carry no length
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise Refusal(400, "BAD_REQUEST", "the client went away mid-body") from exc
    return b"".join(chunks)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _decode_json(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise Refusal(400, "BAD_REQUEST", f"{what} is nested too deeply") from exc
    except ValueError as exc:
        raise Refusal(400, "BAD_REQUEST", f"{what} is not valid JSON: {str(exc)[:120]}") from exc


def _check_value(value: Any, where: str, depth: int = 0) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH and strings holding lone surrogates."""
    if depth > MAX_JSON_DEPTH:
        raise Refusal(400, "BAD_USER_INPUT", f"{where} is nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise Refusal(400, "BAD_USER_INPUT", f"{where} holds a lone surrogate (not a Unicode character)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, where, depth + 1)
            _check_value(item, f"{where}.{key}" if depth == 0 else where, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, where, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Refusal(400, "BAD_USER_INPUT", f"{where} holds a number JSON cannot carry")


def _operation(params: Any, *, get: bool) -> Operation:
    if isinstance(params, list):
        raise Refusal(
            400, "BAD_REQUEST", "batched operations are not accepted: send one operation per request"
        )
    if not isinstance(params, dict):
        raise Refusal(400, "BAD_REQUEST", "the body must be a JSON object with a `query` string")
    query, variables, name = params.get("query"), params.get("variables"), params.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise Refusal(400, "BAD_REQUEST", "`query` must be a non-empty string")
    if get and isinstance(variables, str):
        variables = _decode_json(variables, "`variables`")
    if variables is not None and not isinstance(variables, dict):
        raise Refusal(400, "BAD_REQUEST", "`variables` must be a JSON object")
    if name is not None and (not isinstance(name, str) or has_lone_surrogate(name)):
        raise Refusal(400, "BAD_REQUEST", "`operationName` must be a string of Unicode characters")
    if variables:
        for key, value in variables.items():
            _check_value(value, f"variable ${key}", 1)
            _check_value(key, "a variable name", 1)
    allowed = frozenset({OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION})
    return Operation(query=query, variables=variables or None, operation_name=name, allowed=allowed)


async def read_operation(request: Request, body_limit: int = MAX_BODY_BYTES) -> Operation:
    """The operation in a GET's query string or a POST's JSON body (at most `body_limit` bytes)."""
    if request.method == "GET":
        return _operation(dict(request.query_params), get=True)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise Refusal(415, "BAD_REQUEST", "send the operation as application/json")
    raw = await _body(request, body_limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(400, "BAD_REQUEST", "the body is not UTF-8") from exc
    params = _decode_json(text, "the body")
    return _operation(params, get=False)
