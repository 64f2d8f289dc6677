"""GET /metrics: the Prometheus text format, for a scraper holding an admin key as its bearer token."""

from __future__ import annotations

import json

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphql_api.auth import KeyCache
from graphql_api.errors import UNAVAILABLE_MESSAGE, is_unavailable
from retention import metrics
from retention.access import Scope, Unauthenticated
from retention.runtime import Runtime


def _refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def route(runtime: Runtime, keys: KeyCache) -> Route:
    """/metrics on the API port; the no-key listener of RETENTION_METRICS_BIND serves the same text."""

    async def scrape(request: Request) -> Response:
        try:
            principal = await keys.principal_of(request)
        except Unauthenticated as exc:
            return _refusal(401, "UNAUTHENTICATED", exc.message, {"WWW-Authenticate": "Bearer"})
        except Exception as exc:
            if is_unavailable(exc):
                return _refusal(503, "UNAVAILABLE", UNAVAILABLE_MESSAGE, {"Retry-After": "2"})
            raise
        if not principal.allows(Scope.ADMIN):
            return _refusal(403, "FORBIDDEN", f"key {principal.name!r} is not an admin key; metrics need one")
        body = await run_in_threadpool(metrics.render, runtime.engine)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return Route("/metrics", scrape, methods=["GET"])
