"""The dashboard's door: a signed-in, enabled user, or the sign-in page.

Static files pass (the sign-in page uses the dashboard's stylesheet; they hold no data). Everything else
needs a valid session: a page load without one is sent to sign in, a data request gets 401. The user's
principal goes into the ASGI scope, where no HTTP request can put one, and the dashboard's transport sends
every GraphQL document as that user. A POST must come from this site's own pages.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from dash_ui.api.transports import IDENTITY_SCOPE_KEY
from graphql_api.sessions import ActiveUsers, SessionCodec, cookie_from
from graphql_api.signin import same_origin

_STATIC = ("/dashboard/assets/", "/dashboard/_dash-component-suites/", "/dashboard/_favicon.ico")


class DashboardGate:
    """ASGI middleware around the mounted dashboard."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, users: ActiveUsers) -> None:
        self._app, self._codec, self._users = app, codec, users

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        # Starlette keeps the whole path in a mounted app's scope (and the mount in root_path).
        root, path = scope.get("root_path", ""), scope["path"]
        path = path if path.startswith(root) else root + path
        request = Request(scope)
        if path.startswith(_STATIC) and request.method in ("GET", "HEAD"):
            await self._app(scope, receive, send)
            return
        if request.method not in ("GET", "HEAD") and not same_origin(request):
            await _answer(send, 403, {"error": "requests that change anything must come from this site"})
            return
        principal = None
        username = self._codec.username(cookie_from(request.headers.get("cookie")) or "")
        if username is not None:
            principal = await run_in_threadpool(self._users.principal, username)
        if principal is None:
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                target = path + (
                    f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
                )
                await _redirect(send, f"/signin?next={quote(target, safe='/')}")
            else:
                await _answer(send, 401, {"error": "sign in first"})
            return
        await self._app({**scope, IDENTITY_SCOPE_KEY: principal}, receive, send)


async def _answer(send: Send, status: int, body: dict[str, str]) -> None:
    content = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def _redirect(send: Send, location: str) -> None:
    headers = [
        (b"location", location.encode("latin-1")),
        (b"content-length", b"0"),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
