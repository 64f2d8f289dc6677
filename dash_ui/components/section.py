"""A titled card whose body shows a spinner while its callback runs."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc
from dash.development.base_component import Component

# Nothing in a graph may reach the internet: no Plotly logo link; MathJax stays off (dcc.Graph's default)
# and no chart here is a map, so topojson is never fetched.
GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False}


def section(title: str, body: Component) -> dbc.Card:
    """A card with a header and `body` wrapped in dcc.Loading."""
    return dbc.Card(
        [
            dbc.CardHeader(title, className="fw-semibold"),
            dbc.CardBody(dcc.Loading(body, type="dot", delay_show=150)),
        ],
        className="h-100 shadow-sm",
    )


def chart(graph_id: str) -> dcc.Graph:
    """A graph with the dashboard's offline-safe config; a callback supplies its figure."""
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG)
