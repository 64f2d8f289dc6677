"""Each HTTP request gets an id (the caller's X-Request-ID when it is a sane one) and one log line at its end.

The id goes back in the X-Request-ID response header and on every line logged while the request runs;
the closing line adds the status, the duration and what the GraphQL endpoint learnt (operation, caller,
outcome code). Asset downloads and probes log at DEBUG: at INFO they would bury the requests that matter.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retention import metrics
from retention.logs import NONE, RequestRecord, request_scope

log = logging.getLogger("retention.request")
HEADER = "x-request-id"
GRAPHQL_PATH = "/graphql"
# What a caller's id may look like: a proxy's or tracer's id, not a place to smuggle text into the log.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_QUIET_PREFIXES = (
    "/dashboard/assets/",
    "/dashboard/_dash-component-suites/",
    "/static/",
    "/healthz",
    "/readyz",
)


def request_id_from(headers: Headers) -> str:
    """The caller's X-Request-ID when it is 1-64 of [A-Za-z0-9._:-], else a new one."""
    offered = headers.get(HEADER, "")
    return offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex


class RequestLog:
    """ASGI middleware: the request id in, out and on every line; one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(request_id_from(Headers(scope=scope)))
        status = 500  # what the client gets if the app fails before it answers
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (HEADER.encode(), record.request_id.encode()),
                ]
            await send(message)

        with request_scope(record):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                path: str = scope.get("path", "")
                if path == GRAPHQL_PATH and record.outcome != NONE:  # not the IDE page
                    metrics.count_request(record.operation, record.outcome, seconds)
                level = logging.DEBUG if path.startswith(_QUIET_PREFIXES) else logging.INFO
                log.log(
                    level,
                    "%s %s %d %.1f ms outcome=%s",
                    scope.get("method", "-"),
                    path,
                    status,
                    seconds * 1000,
                    record.outcome,
                    extra={"status": status, "duration_ms": round(seconds * 1000, 1)},
                )
