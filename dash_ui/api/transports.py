"""How a GraphQL payload reaches the API: over HTTP, or in-process through the ASGI app on its own loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import httpx
from flask import has_request_context, request

from dash_ui.api.client import ApiError, JsonObject

AsgiApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[MutableMapping[str, Any]]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]

INTERNAL_BASE_URL = "http://retention.internal"
# The ASGI scope key that carries the caller's identity on in-process requests. A server builds each
# scope from the wire and never sets this key, so no HTTP client can claim the identity put here.
IDENTITY_SCOPE_KEY = "retention.principal"

logger = logging.getLogger(__name__)


class HttpTransport:
    """Posts to a GraphQL endpoint over HTTP: for a remote API and for tests."""

    def __init__(self, url: str, timeout: float = 30, *, api_key: str | None = None) -> None:
        self._url = url
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)

    def post(self, payload: JsonObject) -> JsonObject:
        try:
            response = self._client.post(self._url, json=payload)
        except httpx.HTTPError as error:
            message = f"The API at {self._url} could not be reached ({error})."
            raise ApiError(message, "UNAVAILABLE") from error
        return decode_answer(response)

    def close(self) -> None:
        self._client.close()


class AsgiTransport:
    """Sends each payload through the ASGI app on the server's own event loop, from a worker thread.

    Dash callbacks run in a2wsgi's threads; a loopback HTTP call would hold one thread per waiting callback
    while the GraphQL view needs the same server, so the request is handed to the loop instead
    (see shared/design/dashboard.md).
    """

    def __init__(self, path: str = "/graphql", timeout: float = 30) -> None:
        self._path = path
        self._timeout = timeout
        self._app: AsgiApp | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: Mapping[str, Any] = {}
        self._identity: object | None = None

    def bind(
        self,
        app: AsgiApp,
        loop: asyncio.AbstractEventLoop,
        *,
        state: Mapping[str, Any] | None = None,
        identity: object | None = None,
    ) -> None:
        """Capture the app and its running loop; call from the lifespan.

        `state` is what the lifespan yields: httpx's ASGITransport puts no lifespan state in the request
        scope (a server such as uvicorn does), so it is copied in here for `request.state` to find.
        `identity` is who every request through this transport runs as (opaque here; the API reads it).
        """
        self._app, self._loop, self._state = app, loop, dict(state or {})
        self._identity = identity

    def unbind(self) -> None:
        """Forget the app and loop at shutdown, so a late call fails clearly instead of hanging."""
        self._app, self._loop, self._state, self._identity = None, None, {}, None

    def post(self, payload: JsonObject) -> JsonObject:
        app, loop = self._app, self._loop
        if app is None or loop is None or loop.is_closed():
            raise RuntimeError("AsgiTransport.post called before bind(app, loop): bind it in the lifespan.")
        if _running_loop() is loop:
            raise RuntimeError("AsgiTransport.post called from its event loop's thread: it would deadlock.")
        # The caller's identity: the user the dashboard's request was signed in as, else the bound one.
        identity = request_identity() or self._identity
        future = asyncio.run_coroutine_threadsafe(self._send(app, payload, identity), loop)
        try:
            return future.result(self._timeout)
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            raise ApiError(f"The API did not answer within {self._timeout:g} s.", "UNAVAILABLE") from error
        except ApiError:
            raise
        except Exception as error:
            # An exception escaping the ASGI app would otherwise surface as a bare Dash 500; log it in full
            # here, where the traceback is, and let the page show an alert.
            logger.exception("The in-process GraphQL request failed")
            raise ApiError("The API failed while answering.", "INTERNAL") from error

    async def _send(self, app: AsgiApp, payload: JsonObject, identity: object | None) -> JsonObject:
        transport = httpx.ASGITransport(app=_with_scope(app, self._state, identity))
        async with httpx.AsyncClient(transport=transport, base_url=INTERNAL_BASE_URL) as client:
            response = await client.post(self._path, json=payload)
        return decode_answer(response)


def request_identity() -> object | None:
    """The identity the server put in the ASGI scope of the dashboard request being answered, if any.

    a2wsgi hands the ASGI scope to the WSGI app as environ["asgi.scope"]; no client can write there.
    """
    if not has_request_context():
        return None
    scope = request.environ.get("asgi.scope")
    return scope.get(IDENTITY_SCOPE_KEY) if isinstance(scope, dict) else None


def decode_answer(response: httpx.Response) -> JsonObject:
    """The GraphQL answer in `response`; GraphQL errors come back even on 4xx, anything else is ApiError."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and ("data" in answer or "errors" in answer):
        return answer
    code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN"}.get(response.status_code, "UNAVAILABLE")
    raise ApiError(f"The API answered HTTP {response.status_code} without a GraphQL result.", code)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _with_scope(app: AsgiApp, state: Mapping[str, Any], identity: object | None) -> AsgiApp:
    if not state and identity is None:
        return app
    extra: dict[str, Any] = {} if identity is None else {IDENTITY_SCOPE_KEY: identity}

    async def app_with_state(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        # A shallow copy per request, as uvicorn does, so one request's writes do not leak into the next.
        await app({**scope, "state": dict(state), **extra}, receive, send)

    return app_with_state
