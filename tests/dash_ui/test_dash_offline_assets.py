"""The dashboard must work with no internet: everything it links is served by the app under /dashboard/."""

import json
import re
from html.parser import HTMLParser

import pytest

from dash_ui.api.client import GraphQLClient
from dash_ui.app import ASSETS_FOLDER, create_dash_app

PREFIX = "/dashboard/"


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.links += [value for name, value in attrs if name in ("href", "src") and value]
        href = values.get("href")
        if tag == "link" and values.get("rel") == "stylesheet" and href:
            self.stylesheets.append(href)


class UnusedTransport:
    def post(self, payload):
        raise AssertionError("building the app and serving its index must not call the API")


@pytest.fixture
def server():
    app = create_dash_app(GraphQLClient(UnusedTransport()))
    return app.server.test_client()


def _get(server, path: str) -> tuple[int, bytes]:
    response = server.get(path)
    try:
        return response.status_code, response.get_data()
    finally:
        response.close()


def _index_links(server) -> LinkCollector:
    status, body = _get(server, "/")
    assert status == 200
    collector = LinkCollector()
    collector.feed(body.decode())
    return collector


def test_every_href_and_src_of_the_index_is_under_the_dashboard_prefix(server):
    links = _index_links(server).links

    assert links, "the index should link its scripts and stylesheets"
    assert [link for link in links if not link.startswith(PREFIX)] == []


def test_the_index_names_no_remote_url(server):
    _, body = _get(server, "/")

    assert "http://" not in body.decode()
    assert "https://" not in body.decode()


def test_bootstrap_is_linked_before_app_css_so_app_css_can_override_it(server):
    stylesheets = _index_links(server).stylesheets

    bootstrap = next(i for i, href in enumerate(stylesheets) if "bootstrap.min.css" in href)
    app_css = next(i for i, href in enumerate(stylesheets) if "app.css" in href)
    assert bootstrap < app_css
    assert sum("bootstrap.min.css" in href for href in stylesheets) == 1


def test_every_linked_stylesheet_is_served_and_fetches_nothing_remote(server):
    for href in _index_links(server).stylesheets:
        status, body = _get(server, href.removeprefix(PREFIX[:-1]))

        assert status == 200, href
        assert not re.search(rb"url\(\s*['\"]?https?:", body), href
        assert not re.search(rb"@import\s+(url\()?\s*['\"]?https?:", body), href


def test_the_icon_fonts_the_icon_stylesheet_names_are_served(server):
    css = (ASSETS_FOLDER / "vendor/bootstrap-icons/bootstrap-icons.min.css").read_text()

    fonts = re.findall(r'url\("?(fonts/[^")?]+)', css)

    assert fonts
    for font in fonts:
        status, _ = _get(server, f"/assets/vendor/bootstrap-icons/{font}")
        assert status == 200, font


def test_no_vendored_css_file_reaches_the_internet():
    for css in ASSETS_FOLDER.rglob("*.css"):
        text = css.read_text()
        assert not re.search(r"url\(\s*['\"]?https?:", text), css
        assert "sourceMappingURL" not in text, css


def test_links_in_the_layout_are_prefix_aware(server):
    _, body = _get(server, "/_dash-layout")

    hrefs = re.findall(r'"href":\s*"([^"]*)"', json.dumps(json.loads(body)))

    assert hrefs
    assert [href for href in hrefs if not href.startswith(PREFIX)] == []
