"""GraphQL over HTTP at /graphql: body limits, JSON checks, the API key, the rate limit, then one operation.

Every refusal is a GraphQL-shaped answer with extensions.code, decided before any expensive work: the body
is measured before it is decoded, the key before the document is parsed, the document before it runs.
Status codes follow the GraphQL-over-HTTP spec: with `application/graphql-response+json` a request error
(the document does not parse or validate, a variable is wrong) is HTTP 400; with `application/json` it is 200.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from graphql_api.auth import KeyCache, internal_principal
from graphql_api.context import Context
from graphql_api.errors import UNAVAILABLE_MESSAGE, is_unavailable
from graphql_api.graphiql import graphiql_response
from graphql_api.http_request import JSON, Operation, Refusal, read_operation
from graphql_api.limits import MAX_BODY_BYTES, MAX_LOGGED_NAME, MAX_WRITE_BODY_BYTES
from graphql_api.ratelimit import RateLimiter
from retention import metrics
from retention.access import Principal, Unauthenticated
from retention.access import Scope as AccessScope
from retention.logs import RequestRecord, current_request
from retention.runtime import Runtime

log = logging.getLogger(__name__)
GRAPHQL_RESPONSE = "application/graphql-response+json"
# The log's and the metrics' name for an operation sent without one.
ANONYMOUS = "anonymous"
_REQUEST_ERROR_CODES = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}


def _media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


class GraphQLEndpoint:
    """The ASGI app routed at /graphql."""

    def __init__(
        self,
        schema: Any,
        *,
        runtime: Runtime,
        keys: KeyCache,
        limiter: RateLimiter,
        timeout_seconds: float,
        demo_key: str | None = None,
    ) -> None:
        self._schema, self._runtime, self._keys, self._limiter = schema, runtime, keys, limiter
        self._timeout = timeout_seconds
        self._demo_key = demo_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._respond(request)
        except Exception:
            # A fault of ours outside an operation (inside one, MaskUnexpectedErrors answers): still coded.
            record = _record()
            record.outcome = "INTERNAL"
            request_id = record.request_id
            log.exception("unexpected error answering /graphql [request %s]", request_id)
            message = f"Unexpected error; it has been logged with request id {request_id}."
            body = {
                "errors": [{"message": message, "extensions": {"code": "INTERNAL", "requestId": request_id}}]
            }
            response = _json(body, 500, _media_type(request))
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        if _wants_ide(request):
            return graphiql_response(demo_key=self._demo_key if _from_this_machine(request) else None)
        media = _media_type(request)
        record = _record()
        request_id = record.request_id
        try:
            if request.method not in ("GET", "POST"):
                raise Refusal(
                    405, "BAD_REQUEST", "GraphQL takes GET (queries) or POST", {"Allow": "GET, POST"}
                )
            principal = await self._principal(request)
            record.principal = principal.name
            await self._check_rate(principal)
            limit = MAX_WRITE_BODY_BYTES if principal.allows(AccessScope.WRITE) else MAX_BODY_BYTES
            operation = await read_operation(request, limit)
            record.operation = (operation.operation_name or ANONYMOUS)[:MAX_LOGGED_NAME]
            response, record.outcome = await self._execute(request, operation, principal, request_id, media)
            return response
        except Refusal as refusal:
            record.outcome = refusal.code
            body = {
                "errors": [
                    {"message": refusal.message, "extensions": {"code": refusal.code, **refusal.extensions}}
                ]
            }
            status = refusal.status
            if refusal.code in _REQUEST_ERROR_CODES and media == JSON:
                status = 200
            return _json(body, status, media, refusal.headers)

    async def _principal(self, request: Request) -> Principal:
        internal = internal_principal(request)
        if internal is not None:
            return internal
        try:
            return await self._keys.principal_of(request)
        except Unauthenticated as exc:
            raise Refusal(401, "UNAUTHENTICATED", exc.message, {"WWW-Authenticate": "Bearer"}) from exc
        except Exception as exc:
            if is_unavailable(exc):
                raise _unavailable() from exc
            raise

    async def _check_rate(self, principal: Principal) -> None:
        # Keys and dashboard users have separate namespaces of names.
        caller = f"{principal.kind.value}:{principal.name}"
        if self._limiter.take_held(caller):  # most requests: no database, no thread
            return
        try:
            wait = await run_in_threadpool(self._limiter.acquire, caller)
        except Exception as exc:
            if is_unavailable(exc):
                raise _unavailable() from exc
            raise
        if wait is not None:
            metrics.RATE_LIMITED.inc()
            seconds = max(1, math.ceil(wait))
            refusal = Refusal(
                429,
                "RATE_LIMITED",
                f"key {principal.name!r} is over its rate limit; retry in {seconds} s",
                {"Retry-After": str(seconds)},
            )
            refusal.extensions["retryAfter"] = seconds
            raise refusal

    async def _execute(
        self, request: Request, operation: Operation, principal: Principal, request_id: str, media: str
    ) -> tuple[Response, str]:
        context = Context(runtime=self._runtime, principal=principal, request_id=request_id, request=request)
        try:
            result = await asyncio.wait_for(
                self._schema.execute(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=context,
                    operation_name=operation.operation_name,
                    allowed_operation_types=operation.allowed,
                ),
                timeout=self._timeout,
            )
        except TimeoutError:
            log.warning("operation timed out after %.1f s [request %s]", self._timeout, request_id)
            message = f"the operation took longer than {self._timeout:g} s and was stopped"
            body = {"data": None, "errors": [{"message": message, "extensions": {"code": "TIMEOUT"}}]}
            return _json(body, 200, media), "TIMEOUT"
        except CannotGetOperationTypeError as exc:
            message = (
                "the document holds several operations: name one with operationName"
                if operation.operation_name is None
                else f"the document has no operation named {operation.operation_name!r}"
            )
            raise Refusal(400, "GRAPHQL_VALIDATION_FAILED", message) from exc
        except InvalidOperationTypeError as exc:
            raise Refusal(405, "BAD_REQUEST", "mutations need POST", {"Allow": "POST"}) from exc
        except MissingQueryError as exc:
            raise Refusal(400, "BAD_REQUEST", "`query` must be a non-empty string") from exc
        return _answer(result, media, request_id)


def _unavailable() -> Refusal:
    return Refusal(503, "UNAVAILABLE", UNAVAILABLE_MESSAGE, {"Retry-After": "2"})


def _record() -> RequestRecord:
    # Behind RequestLog there always is one; a bare endpoint (a unit test) gets its own.
    return current_request() or RequestRecord(uuid.uuid4().hex)


def _answer(result: Any, media: str, request_id: str) -> tuple[Response, str]:
    """The HTTP answer and its outcome code: OK, or the first error's code."""
    errors = [_formatted(error, request_id) for error in result.errors or []]
    request_error = (
        result.data is None
        and bool(errors)
        and all(e["extensions"]["code"] in _REQUEST_ERROR_CODES and "path" not in e for e in errors)
    )
    body: dict[str, Any] = {} if request_error else {"data": result.data}
    if errors:
        body["errors"] = errors
    status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
    outcome = str(errors[0]["extensions"]["code"]) if errors else "OK"
    return _json(body, status, media), outcome


def _formatted(error: Any, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = error.formatted
    extensions = formatted.setdefault("extensions", {})
    if "code" not in extensions:  # nothing should get here uncoded; if it does, say so without detail
        log.error("uncoded GraphQL error [request %s]: %s", request_id, error.message)
        formatted["message"] = f"Unexpected error; it has been logged with request id {request_id}."
        extensions.update(code="INTERNAL", requestId=request_id)
    return formatted


def _json(body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None) -> Response:
    # ASCII-escaped: whatever a message quotes back, the answer is valid JSON and valid UTF-8.
    content = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("ascii")
    return Response(
        content,
        status_code=status,
        media_type=f"{media}; charset=utf-8",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _from_this_machine(request: Request) -> bool:
    client = request.client.host if request.client else ""
    return client in {"127.0.0.1", "::1", "localhost"}
