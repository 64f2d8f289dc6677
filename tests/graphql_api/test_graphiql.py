"""The GraphiQL page is served offline: it and everything it loads come from this app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import strawberry
import strawberry.asgi
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from graphql_api.graphiql import (
    CONTENT_SECURITY_POLICY,
    GRAPHIQL_DIR,
    STATIC_DIR,
    OfflineGraphiQLMixin,
    graphiql_html,
    graphiql_response,
    static_mount,
)

CDN_MARKERS = ("unpkg.com", "cdn.jsdelivr", "jsdelivr.net", "fonts.googleapis", "fonts.gstatic", "cdnjs")
ATTR_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


class View(OfflineGraphiQLMixin, strawberry.asgi.GraphQL):
    pass


@pytest.fixture()
def client() -> Iterator[TestClient]:
    schema = strawberry.Schema(query=Query)
    app = Starlette(routes=[Route("/graphql", View(schema)), static_mount()])
    with TestClient(app) as test_client:
        yield test_client


def _page(client: TestClient) -> str:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return str(response.text)


def test_browser_get_serves_the_offline_page(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    html = response.text
    assert html == graphiql_html()
    assert 'id="graphiql"' in html
    assert "/static/graphiql/graphiql.min.js" in html
    assert "Strawberry GraphiQL" not in html  # not Strawberry's CDN-backed page
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_page_references_only_local_static_files(client: TestClient) -> None:
    html = _page(client)
    urls = ATTR_URL.findall(html)
    assert urls, "the page references no assets"
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in html
    assert "https://" not in html
    assert "//" not in "".join(urls).replace("/static/", "", 1)  # no protocol-relative URLs either


def test_every_referenced_file_is_served(client: TestClient) -> None:
    urls = ATTR_URL.findall(_page(client))
    expected = {
        "/static/graphiql/react.production.min.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/graphiql.min.css",
        "/static/graphiql/plugin-explorer.umd.js",
        "/static/graphiql/plugin-explorer.css",
        "/static/graphiql/page.js",
    }
    assert expected <= set(urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        assert response.content == (STATIC_DIR / url.removeprefix("/static/")).read_bytes()


def test_react_loads_before_graphiql_before_the_page_script() -> None:
    html = graphiql_html()
    order = [
        html.index("react.production.min.js"),
        html.index("react-dom.production.min.js"),
        html.index("graphiql.min.js"),
        html.index("plugin-explorer.umd.js"),
        html.index("page.js"),
    ]
    assert order == sorted(order)


def test_page_script_posts_to_graphql_and_has_the_default_query() -> None:
    html = graphiql_html()
    script = (GRAPHIQL_DIR / "page.js").read_text(encoding="utf-8")
    assert 'data-endpoint="/graphql"' in html
    assert "GraphiQL.createFetcher" in script
    assert "overview" in script and "customerCount" in script and "highRiskCount" in script
    assert '"# ' in script  # the default query opens with a comment line on what to try
    assert "Documentation Explorer" in script
    assert "GraphiQLPluginExplorer.explorerPlugin()" in script
    assert "Authorization" in script and "data-demo-key" in script


def test_vendored_assets_name_no_cdn() -> None:
    assets = [p for p in GRAPHIQL_DIR.rglob("*") if p.suffix in {".js", ".css", ".html", ".svg"}]
    assert len(assets) >= 6
    for path in assets:
        text = path.read_text(encoding="utf-8").lower()
        for marker in CDN_MARKERS:
            assert marker not in text, f"{path.name} mentions {marker}"
        assert "url(http" not in text.replace(" ", ""), path.name
        assert "@importurl(" not in text.replace(" ", ""), path.name


def test_vendored_assets_point_at_no_missing_source_map() -> None:
    for path in GRAPHIQL_DIR.rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        for match in re.finditer(r"sourceMappingURL=(\S+?)(?:\s|\*/|$)", path.read_text(encoding="utf-8")):
            assert (path.parent / match.group(1)).is_file(), f"{path.name} -> {match.group(1)}"


def test_vendored_packages_ship_their_licences() -> None:
    for name in ("graphiql", "react", "react-dom", "plugin-explorer", "graphiql-explorer"):
        licence = GRAPHIQL_DIR / "licenses" / f"{name}.LICENSE"
        assert "MIT License" in licence.read_text(encoding="utf-8"), name


def test_every_vendored_file_is_listed_with_its_checksum() -> None:
    import hashlib

    listing = (GRAPHIQL_DIR / "VENDORED.md").read_text(encoding="utf-8")
    for name in ("graphiql.min.js", "graphiql.min.css", "plugin-explorer.umd.js", "plugin-explorer.css"):
        digest = hashlib.sha256((GRAPHIQL_DIR / name).read_bytes()).hexdigest()
        assert f"`{name}`" in listing and digest in listing, name


def test_a_demo_key_is_put_in_the_page_only_when_given_and_escaped() -> None:
    plain = graphiql_response().body.decode()
    with_key = graphiql_response(demo_key='rtn_abc"<x>').body.decode()

    assert "data-demo-key" not in plain
    assert 'data-demo-key="rtn_abc&quot;&lt;x&gt;"' in with_key


def test_vendored_graphiql_stays_small() -> None:
    total = sum(p.stat().st_size for p in GRAPHIQL_DIR.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024, total


def test_queries_still_work_beside_the_page(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ hello }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "world"}}


def test_no_ide_when_the_view_disables_it() -> None:
    app = Starlette(routes=[Route("/graphql", View(strawberry.Schema(query=Query), graphql_ide=None))])
    with TestClient(app) as test_client:
        response = test_client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()
