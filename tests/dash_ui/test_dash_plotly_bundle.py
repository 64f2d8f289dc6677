"""The dashboard draws with plotly.js's finance bundle: plotly.py's version, holding every trace drawn."""

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs_version

from dash_ui.api.client import GraphQLClient
from dash_ui.app import ASSETS_FOLDER, PLOTLY_BUNDLE, PLOTLY_TRACE_TYPES, create_dash_app

BUNDLE = ASSETS_FOLDER / PLOTLY_BUNDLE
DASH_UI = Path(__file__).resolve().parents[2] / "dash_ui"


class UnusedTransport:
    def post(self, payload):
        raise AssertionError("serving the index must not call the API")


def test_the_bundle_is_the_plotly_js_version_plotly_py_builds_figures_for():
    header = BUNDLE.read_text()[:200]

    assert re.search(rf"v{re.escape(get_plotlyjs_version())}\b", header), header


def test_the_bundle_defaults_to_no_remote_url_a_browser_would_fetch():
    text = BUNDLE.read_text()

    assert "cdn.plot.ly" not in text, "topojsonURL must not default to Plotly's CDN"
    assert "cloud.plotly.com" not in text, "plotlyServerURL must not default to Chart Studio"


def test_the_bundle_registers_every_trace_type_the_dashboard_draws():
    registered = set(re.findall(r'moduleType:"trace",name:"([a-z]+)"', BUNDLE.read_text()))

    assert PLOTLY_TRACE_TYPES <= registered, PLOTLY_TRACE_TYPES - registered


def test_the_dashboard_builds_no_trace_the_bundle_lacks():
    used: set[str] = set()
    for source in DASH_UI.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            is_go_call = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "go"
            )
            if is_go_call and node.func.attr not in ("Figure", "Layout"):  # type: ignore[union-attr]
                used.add(getattr(go, node.func.attr)().type)  # type: ignore[union-attr]

    assert used, "the figures should build traces through plotly.graph_objects"
    assert used <= PLOTLY_TRACE_TYPES, used - PLOTLY_TRACE_TYPES


def test_the_index_loads_the_bundle_before_the_component_scripts():
    server = create_dash_app(GraphQLClient(UnusedTransport())).server.test_client()
    html = server.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)

    bundle = next(i for i, src in enumerate(scripts) if PLOTLY_BUNDLE in src)
    core = next(i for i, src in enumerate(scripts) if "dash_core_components.v" in src)
    assert bundle < core
    assert html.count("plotly-finance.min.js") == 1
    response = server.get(f"/assets/{PLOTLY_BUNDLE}")
    try:
        assert response.status_code == 200
    finally:
        response.close()
