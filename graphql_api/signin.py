"""The sign-in page, sign-in and sign-out. A state-changing POST is accepted only from this site's own pages
(its Origin or Referer), and the session cookie is SameSite=Strict: no other site can sign a user in or out
or ride their session."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from graphql_api.sessions import CLEARED, SessionCodec
from retention.access import Unauthenticated
from retention.runtime import Runtime
from retention.services import users as user_service
from retention.services.users import SignInThrottled

HOME = "/dashboard/"
MAX_FORM_BYTES = 4_096
_STYLESHEET = "/dashboard/assets/vendor/bootstrap/bootstrap.min.css"


def same_origin(request: Request) -> bool:
    """True when the request comes from a page of this site (Origin, else Referer, names this host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc == request.headers.get("host", "")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard path of this site, never another site."""
    if not target or not target.startswith(HOME) or target.startswith("//") or "\\" in target:
        return HOME
    return target


def _page(message: str | None, next_path: str, username: str = "", status: int = 200) -> HTMLResponse:
    alert = f'<div class="alert alert-danger" role="alert">{html.escape(message)}</div>' if message else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Retention</title><link rel="stylesheet" href="{_STYLESHEET}"></head>
<body class="bg-body-tertiary"><main class="container" style="max-width: 26rem; margin-top: 10vh">
<h1 class="h3 mb-3">Sign in to Retention</h1>{alert}
<form method="post" action="/signin" class="card card-body shadow-sm">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<div class="mb-3"><label class="form-label" for="username">Username</label>
<input class="form-control" id="username" name="username" autocomplete="username" required
 value="{html.escape(username)}"></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password"
 required></div>
<button class="btn btn-primary w-100" type="submit">Sign in</button>
</form></main></body></html>"""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


class SignIn:
    """GET /signin shows the form; POST /signin checks it and sets the session; POST /signout ends it."""

    def __init__(self, runtime: Runtime, codec: SessionCodec) -> None:
        self._runtime, self._codec = runtime, codec

    async def page(self, request: Request) -> Response:
        return _page(None, safe_next(request.query_params.get("next")))

    async def sign_in(self, request: Request) -> Response:
        if not same_origin(request):
            return _page("Sign in from this site's own page.", HOME, status=403)
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _page("The form is too large.", HOME, status=413)
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items() if v}
        username, password = fields.get("username", ""), fields.get("password", "")
        next_path = safe_next(fields.get("next"))
        try:
            user = await run_in_threadpool(
                user_service.authenticate, engine=self._runtime.engine, username=username, password=password
            )
        except SignInThrottled as exc:
            page = _page(exc.message, next_path, username, status=429)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except Unauthenticated as exc:
            return _page(exc.message, next_path, username, status=401)
        response = RedirectResponse(next_path, status_code=303)
        token = self._codec.issue(user.username)
        response.headers["Set-Cookie"] = self._codec.set_cookie_header(
            token, secure=request.url.scheme == "https"
        )
        return response

    async def sign_out(self, request: Request) -> Response:
        if not same_origin(request):
            return Response("sign out from this site's own page", status_code=403)
        response = RedirectResponse("/signin", status_code=303)
        response.headers["Set-Cookie"] = CLEARED
        return response
