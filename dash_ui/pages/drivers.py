"""The churn drivers page: what the model leans on, and churn by decile and by segment, with intervals."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.section import chart, section
from dash_ui.pages.drivers_content import DIMENSIONS, load_deciles, load_drivers, load_segments

PATH = "/drivers"
NAME = "Churn drivers"

DRIVERS_START = "drivers-start"
DRIVERS_ALERT = "drivers-alert"
DRIVERS_CHART = "drivers-chart"
DRIVERS_FEATURE = "drivers-feature"
DRIVERS_DECILE_CHART = "drivers-decile-chart"
DRIVERS_DECILE_NOTE = "drivers-decile-note"
DRIVERS_DIMENSION = "drivers-dimension"
DRIVERS_SEGMENT_CHART = "drivers-segment-chart"
DRIVERS_SEGMENT_NOTE = "drivers-segment-note"


def layout(**_: Any) -> html.Div:
    """The page skeleton; its callbacks fill it (no I/O here)."""
    feature = dbc.Select(id=DRIVERS_FEATURE, size="sm", className="mb-2", options=[])
    dimension = dbc.Select(
        id=DRIVERS_DIMENSION,
        size="sm",
        className="mb-2",
        options=[{"label": label, "value": value} for value, label in DIMENSIONS.items()],
        value="SUBSCRIPTION_TYPE",
    )
    return html.Div(
        [
            dcc.Store(id=DRIVERS_START, data=True),
            html.H1(NAME, className="h3 mb-1"),
            html.P(
                "Associations in the data and the model, not causes: a driver is what the model leans on.",
                className="text-body-secondary small",
            ),
            html.Div(id=DRIVERS_ALERT),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "What the model leans on (drop in held-out ROC AUC when a feature is shuffled)",
                            chart(DRIVERS_CHART),
                        ),
                        lg=5,
                    ),
                    dbc.Col(
                        section(
                            "Churn rate by decile (the served model's training deciles)",
                            html.Div(
                                [feature, chart(DRIVERS_DECILE_CHART), html.Div(id=DRIVERS_DECILE_NOTE)]
                            ),
                        ),
                        lg=7,
                    ),
                ],
                className="g-3 mb-3",
            ),
            section(
                "Churn rate by segment, with 95% intervals",
                html.Div([dimension, chart(DRIVERS_SEGMENT_CHART), html.Div(id=DRIVERS_SEGMENT_NOTE)]),
            ),
        ]
    )


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page and its three callbacks."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__, path=PATH, name=NAME, title=f"{NAME} · Retention", order=30, layout=layout
    )

    @app.callback(
        Output(DRIVERS_ALERT, "children"),
        Output(DRIVERS_CHART, "figure"),
        Output(DRIVERS_FEATURE, "options"),
        Output(DRIVERS_FEATURE, "value"),
        Input(DRIVERS_START, "data"),
    )
    def show_drivers(_: bool) -> tuple[Any, ...]:
        found = load_drivers(client)
        return found["alert"], found["drivers"], found["options"], found["feature"]

    @app.callback(
        Output(DRIVERS_DECILE_CHART, "figure"),
        Output(DRIVERS_DECILE_NOTE, "children"),
        Input(DRIVERS_FEATURE, "value"),
    )
    def show_deciles(feature: str | None) -> tuple[Any, ...]:
        found = load_deciles(client, feature)
        return found["figure"], found["note"]

    @app.callback(
        Output(DRIVERS_SEGMENT_CHART, "figure"),
        Output(DRIVERS_SEGMENT_NOTE, "children"),
        Input(DRIVERS_DIMENSION, "value"),
    )
    def show_segments(dimension: str | None) -> tuple[Any, ...]:
        found = load_segments(client, dimension)
        return found["figure"], found["note"]
