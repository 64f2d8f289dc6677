"""An offline GraphiQL: the IDE page at /graphql loads only files this app serves under /static/graphiql.

Strawberry's own GraphiQL page pulls React and GraphiQL from a CDN, which an offline install cannot reach.
`OfflineGraphiQLMixin` swaps that page for ours; `static_mount()` serves the vendored files it loads
(see graphql_api/static/graphiql/VENDORED.md for versions, provenance and licences).
"""

from __future__ import annotations

import functools
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR: Path = Path(__file__).resolve().parent / "static"
"""Root of the files served at /static; the GraphiQL page and its assets live in its graphiql/ folder."""

GRAPHIQL_DIR: Path = STATIC_DIR / "graphiql"
GRAPHIQL_PAGE: Path = GRAPHIQL_DIR / "index.html"

# Defence in depth for "works offline": the browser itself refuses any script, style, font, image or
# request that is not from this origin (fonts and a few CSS images are inlined as data: URIs).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)


def static_mount() -> Mount:
    """The /static route serving graphql_api/static (the vendored GraphiQL among it)."""
    return Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static")


@functools.cache
def graphiql_html() -> str:
    """The GraphiQL page, read from graphql_api/static/graphiql/index.html once per process."""
    return GRAPHIQL_PAGE.read_text(encoding="utf-8")


def graphiql_response(demo_key: str | None = None) -> HTMLResponse:
    """The GraphiQL page as a response, with a CSP that keeps the browser on this origin.

    `demo_key` pre-fills the Authorization header; the caller passes it only for the demo's key and a
    browser on this machine, since anyone who can load the page could read it.
    """
    html = graphiql_html()
    if demo_key:
        html = html.replace(
            'data-endpoint="/graphql"', f'data-endpoint="/graphql" data-demo-key="{escape(demo_key)}"', 1
        )
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}
    return HTMLResponse(html, headers=headers)


class OfflineGraphiQLMixin:
    """Put before `strawberry.asgi.GraphQL` in the bases to serve the offline GraphiQL page.

    Strawberry calls `render_graphql_ide` for a browser GET (Accept: text/html) when the view's
    `graphql_ide` is set; with `graphql_ide=None` it is never called and no IDE is served.
    The app must also route `static_mount()` so the page's assets resolve.
    """

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_response()
