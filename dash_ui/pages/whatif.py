"""The what-if page: start from a typical or a stored customer, change any feature, see the score move."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.section import chart, section
from dash_ui.pages.whatif_content import ASSOCIATION_NOTE, FIELD_TYPE, load_customer_values, load_start, score

PATH = "/what-if"
NAME = "What-if"

WHATIF_START = "whatif-start"
WHATIF_FEATURES = "whatif-features"
WHATIF_ALERT = "whatif-alert"
WHATIF_FORM = "whatif-form"
WHATIF_CUSTOMER = "whatif-customer"
WHATIF_LOAD = "whatif-load"
WHATIF_LOAD_ALERT = "whatif-load-alert"
WHATIF_SCORE_ALERT = "whatif-score-alert"
WHATIF_PROBABILITY = "whatif-probability"
WHATIF_TIER = "whatif-tier"
WHATIF_DETAIL = "whatif-detail"
WHATIF_WATERFALL = "whatif-waterfall"
FIELDS = {"type": FIELD_TYPE, "name": ALL}


def layout(**_: Any) -> html.Div:
    """The page skeleton; the form is built from the API's feature schema once the page loads."""
    start = dbc.InputGroup(
        [
            dbc.Input(
                id=WHATIF_CUSTOMER, placeholder="Customer id, e.g. CUST0000042", type="text", size="sm"
            ),
            dbc.Button(
                "Start from this customer", id=WHATIF_LOAD, color="secondary", outline=True, size="sm"
            ),
        ],
        size="sm",
        className="mb-2",
    )
    result = dbc.Card(
        dbc.CardBody(
            [
                html.Div("Churn probability", className="text-body-secondary small"),
                html.Div(
                    [
                        html.Span(id=WHATIF_PROBABILITY, className="display-6 fw-semibold me-2"),
                        html.Span(id=WHATIF_TIER),
                    ]
                ),
                html.Div(id=WHATIF_DETAIL, className="small text-body-secondary"),
            ]
        ),
        className="shadow-sm mb-3",
    )
    return html.Div(
        [
            dcc.Store(id=WHATIF_START, data=True),
            dcc.Store(id=WHATIF_FEATURES),
            html.H1(NAME, className="h3 mb-1"),
            html.P(ASSOCIATION_NOTE, className="text-body-secondary small"),
            html.Div(id=WHATIF_ALERT),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Profile (opens on a typical customer)",
                            html.Div([start, html.Div(id=WHATIF_LOAD_ALERT), html.Div(id=WHATIF_FORM)]),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            result,
                            html.Div(id=WHATIF_SCORE_ALERT),
                            section(
                                "Why: root-to-leaf path attributions from the base rate",
                                chart(WHATIF_WATERFALL),
                            ),
                        ],
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page and its three callbacks: build the form, load a customer, score."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__, path=PATH, name=NAME, title=f"{NAME} · Retention", order=50, layout=layout
    )

    @app.callback(
        Output(WHATIF_ALERT, "children"),
        Output(WHATIF_FORM, "children"),
        Output(WHATIF_FEATURES, "data"),
        Input(WHATIF_START, "data"),
    )
    def build_form(_: bool) -> tuple[Any, Any, list[str]]:
        start = load_start(client)
        return start["alert"], start["form"], [f["name"] for f in start["features"]]

    @app.callback(
        Output({"type": FIELD_TYPE, "name": ALL}, "value"),
        Output(WHATIF_LOAD_ALERT, "children"),
        Input(WHATIF_LOAD, "n_clicks"),
        State(WHATIF_CUSTOMER, "value"),
        State(WHATIF_FEATURES, "data"),
        State({"type": FIELD_TYPE, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def start_from_customer(
        _clicks: int, customer_id: str | None, names: list[str] | None, current: list[Any]
    ) -> tuple[list[Any], Any]:
        names = names or []
        values, alert = load_customer_values(client, (customer_id or "").strip(), names)
        if values is None:
            return current, alert
        return [values.get(name) for name in names], None

    @app.callback(
        Output(WHATIF_SCORE_ALERT, "children"),
        Output(WHATIF_PROBABILITY, "children"),
        Output(WHATIF_TIER, "children"),
        Output(WHATIF_DETAIL, "children"),
        Output(WHATIF_WATERFALL, "figure"),
        Input({"type": FIELD_TYPE, "name": ALL}, "value"),
        State(WHATIF_FEATURES, "data"),
    )
    def rescore(values: list[Any], names: list[str] | None) -> tuple[Any, ...]:
        scored = score(client, dict(zip(names or [], values, strict=False)))
        return scored["alert"], scored["probability"], scored["tier"], scored["detail"], scored["waterfall"]
