"""The frame around every page: navbar with the product name, a nav built from the page registry."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dash_ui.components.icons import icon

PRODUCT_NAME = "Retention"
SHELL_ERROR = "shell-error"


def nav_links() -> list[dbc.NavItem]:
    """One link per registered page, prefix-aware through `relative_path` (never a hard-coded href)."""
    return [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
        if page.get("path_template") is None  # one customer's page is reached from its links
    ]


def home_href() -> str:
    """The prefix-aware URL of the page registered at "/"."""
    paths = {page["path"]: page["relative_path"] for page in dash.page_registry.values()}
    return str(paths["/"])


def shell() -> html.Div:
    """The app layout: navbar, a slot for unexpected errors, then the current page."""
    brand = html.Span([icon("activity"), PRODUCT_NAME])
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(brand, href=home_href(), className="fw-semibold"),
                dbc.Nav(nav_links(), navbar=True, className="me-auto"),
                # A plain form: sign-out is a POST from this site (the server checks its origin).
                html.Form(
                    dbc.Button(
                        [icon("box-arrow-right", class_name="me-1"), "Sign out"],
                        type="submit",
                        color="secondary",
                        size="sm",
                        outline=True,
                    ),
                    action="/signout",
                    method="POST",
                    className="d-flex",
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-4 shadow-sm",
    )
    page = dbc.Container([html.Div(id=SHELL_ERROR), dash.page_container], fluid=True, className="pb-5")
    return html.Div([navbar, page], className="app-shell")
