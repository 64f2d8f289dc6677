"""create_dash_app: the dashboard as a Dash app, ready to mount under /dashboard/ by the composition root."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc

from dash_ui.api.client import GraphQLClient
from dash_ui.components.shell import PRODUCT_NAME, SHELL_ERROR, shell
from dash_ui.pages import customer, customers, drivers, model, overview, whatif

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "/dashboard/"
ASSETS_FOLDER = Path(__file__).parent / "assets"
# Relative to the assets folder; served by the app, never by a CDN.
VENDOR_STYLESHEETS: tuple[str, ...] = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
)
# plotly.js's finance bundle (scatter, bar, waterfall, histogram, pie and a few more) at the version plotly.py
# targets: 1.3 MB against the full bundle's 4.8 MB, whose parse was most of a chart page's first render.
# Loaded before the component scripts so window.Plotly is set when a Graph mounts and dcc never fetches the
# full bundle it would otherwise inject.
PLOTLY_BUNDLE = "vendor/plotly/plotly-finance.min.js"
# Every trace type the figures in dash_ui/figures may draw; the bundle must hold each one.
PLOTLY_TRACE_TYPES: frozenset[str] = frozenset({"bar", "scatter", "waterfall"})


def create_dash_app(client: GraphQLClient, *, requests_pathname_prefix: str = DEFAULT_PREFIX) -> dash.Dash:
    """The dashboard, reading through `client`; mount its `.server` at `requests_pathname_prefix`."""
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        requests_pathname_prefix=requests_pathname_prefix,
        routes_pathname_prefix="/",
        # Linked here, not auto-loaded from assets/, so they load before app.css and it can override them.
        external_stylesheets=[f"{requests_pathname_prefix}assets/{path}" for path in VENDOR_STYLESHEETS],
        external_scripts=[f"{requests_pathname_prefix}assets/{PLOTLY_BUNDLE}"],
        assets_folder=str(ASSETS_FOLDER),
        assets_path_ignore=["vendor"],
        # Social-card meta tags carrying the absolute request URL: of no use on an internal tool.
        include_pages_meta=False,
        suppress_callback_exceptions=False,
        title=PRODUCT_NAME,
        update_title="",
        on_error=_report_unexpected_error,
    )
    overview.register(app, client)
    customers.register(app, client)
    drivers.register(app, client)
    model.register(app, client)
    whatif.register(app, client)
    customer.register(app, client)
    # Built after every page is registered: the nav is read from the page registry.
    app.layout = shell()
    return app


def _report_unexpected_error(error: Exception) -> None:
    # Expected API failures are alerts inside each page; this catches bugs, so the user sees a message
    # instead of a silently stuck page, and the traceback goes to the log.
    logger.error("Dashboard callback failed", exc_info=error)
    alert = dbc.Alert(
        "Something went wrong while loading this page. Refresh to try again; the server log has the details.",
        color="danger",
        dismissable=True,
    )
    dash.set_props(SHELL_ERROR, {"children": alert})
