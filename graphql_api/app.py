"""The one deployable: GraphQL at /graphql (GraphiQL in a browser) and the dashboard at /dashboard/."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from a2wsgi import WSGIMiddleware
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route

from dash_ui.api.client import GraphQLClient
from dash_ui.api.transports import AsgiTransport
from dash_ui.app import create_dash_app
from graphql_api import health, metrics_endpoint
from graphql_api.auth import KeyCache
from graphql_api.dashboard_gate import DashboardGate
from graphql_api.errors import is_unavailable
from graphql_api.graphiql import static_mount
from graphql_api.http import GraphQLEndpoint
from graphql_api.request_log import RequestLog
from graphql_api.schema import build_schema
from graphql_api.sessions import ActiveUsers, SessionCodec
from graphql_api.signin import SignIn
from retention import metrics
from retention.config import Settings
from retention.job_runner import JobRunner
from retention.logs import configure_logging
from retention.runtime import Runtime, build_runtime
from retention.services.rate_limits import SharedRateLimiter
from retention.session_secret import session_secret

log = logging.getLogger(__name__)
# Threads a2wsgi gives the dashboard; each in-flight callback holds one while it awaits GraphQL.
DASH_THREADS = 16
# How long a signed-in user's role is trusted before the database is asked again (a disabled user is out
# within this time).
USER_CHECK_SECONDS = 3.0


async def _follow_active_model(runtime: Runtime) -> None:
    # Every process polls the database, so `retention models activate` reaches all workers and hosts.
    while True:
        await asyncio.sleep(runtime.settings.model_refresh_seconds)
        try:
            await run_in_threadpool(runtime.refresh_active_model)
        except Exception:  # a database blip must not kill the poller; the next round retries
            log.exception("could not check the active model version")


async def _to_dashboard(_: Request) -> RedirectResponse:
    return RedirectResponse("/dashboard/")


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app; settings come from the environment unless given."""
    settings = settings or Settings()
    # Here, not only in `retention serve`: each uvicorn worker process builds its own app.
    configure_logging(settings.log_level, settings.log_format)
    runtime = build_runtime(settings)
    jobs = JobRunner(runtime)
    transport = AsgiTransport()
    dashboard = create_dash_app(GraphQLClient(transport))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        try:
            await run_in_threadpool(runtime.refresh_active_model)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # Start anyway: requests answer UNAVAILABLE until the database is back, and the poller retries.
            log.warning("database unreachable at start; serving UNAVAILABLE until it is back")
        # Everything built so far (Dash, the schema, the model, libraries) lives as long as the process:
        # move it out of the collector's sight, so a full collection, which documents and answers trigger,
        # scans only request garbage instead of pausing every request for the whole heap.
        gc.collect()
        gc.freeze()
        state = {"runtime": runtime}
        # No identity of its own: each document goes as the signed-in user the dashboard's gate found.
        transport.bind(app, asyncio.get_running_loop(), state=state)
        follower = asyncio.create_task(_follow_active_model(runtime))
        jobs.start()
        try:
            yield state
        finally:
            follower.cancel()
            await run_in_threadpool(jobs.stop)
            metrics.process_exited(os.getpid())
            transport.unbind()
            gc.unfreeze()  # a process that builds another app (tests) can collect this one
            runtime.close()

    keys = KeyCache(runtime.engine, settings.api_key_cache_seconds)
    graphql = GraphQLEndpoint(
        build_schema(),
        runtime=runtime,
        keys=keys,
        limiter=SharedRateLimiter(runtime.engine, settings.rate_limit_per_minute),
        timeout_seconds=settings.operation_timeout_seconds,
        demo_key=settings.demo_api_key,
    )
    codec = SessionCodec(session_secret(settings), max_age=settings.session_hours * 3600)
    signin = SignIn(runtime, codec)
    served_dashboard = WSGIMiddleware(dashboard.server, workers=DASH_THREADS)
    routes = [
        Route("/", _to_dashboard),
        *health.routes(runtime),
        metrics_endpoint.route(runtime, keys),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/signin", signin.page, methods=["GET"]),
        Route("/signin", signin.sign_in, methods=["POST"]),
        Route("/signout", signin.sign_out, methods=["POST"]),
        static_mount(),
        Mount(
            "/dashboard",
            # a2wsgi types its scope more narrowly than Starlette's ASGIApp; the two are the same protocol.
            DashboardGate(served_dashboard, codec, ActiveUsers(runtime.engine, USER_CHECK_SECONDS)),  # type: ignore[arg-type]
        ),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(RequestLog)])
    app.state.dashboard_transport = transport  # the dashboard's way in; tests drive it directly
    return app
