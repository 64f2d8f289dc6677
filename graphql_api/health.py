"""GET /healthz (the process answers; touches nothing) and GET /readyz (it can serve data, or what is not)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graphql_api.errors import public_message
from retention.runtime import Runtime
from retention.services.health import check_readiness

# Probes must never be cached by a proxy between the load balancer and the process.
_NO_STORE = {"Cache-Control": "no-store"}


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "alive"}, headers=_NO_STORE)


def routes(runtime: Runtime) -> list[Route]:
    """The two probe routes; neither needs a key, neither says more than which check fails."""

    async def readyz(_: Request) -> Response:
        readiness = await run_in_threadpool(
            check_readiness, runtime.engine, model_problem=runtime.model_problem
        )
        checks = {
            "database": readiness.database or "ok",
            "schema": readiness.schema or "ok",
            # A refusal's reason may name an artifact's path: the probe is unauthenticated.
            "model": public_message(readiness.model) if readiness.model else f"ok: {runtime.active_version}",
        }
        body = {"status": "ready" if readiness.ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if readiness.ready else 503, headers=_NO_STORE)

    return [Route("/healthz", _healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
