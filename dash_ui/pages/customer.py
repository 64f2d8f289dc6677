"""The customer page: profile, score and tier, why (drivers), what changed, what to do, the history."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.section import chart, section
from dash_ui.pages.customer_content import load_customer

PATH_TEMPLATE = "/customers/<customer_id>"
NAME = "Customer"

CUSTOMER_ID = "customer-id"
CUSTOMER_ALERT = "customer-alert"
CUSTOMER_BODY = "customer-body"
CUSTOMER_TITLE = "customer-title"
CUSTOMER_SUBTITLE = "customer-subtitle"
CUSTOMER_SCORE = "customer-score"
CUSTOMER_SCORE_DETAIL = "customer-score-detail"
CUSTOMER_PROFILE = "customer-profile"
CUSTOMER_WATERFALL = "customer-waterfall"
CUSTOMER_CHANGE = "customer-change"
CUSTOMER_ACTIONS = "customer-actions"
CUSTOMER_HISTORY = "customer-history"

OUTPUTS: dict[str, Output] = {
    "alert": Output(CUSTOMER_ALERT, "children"),
    "body_hidden": Output(CUSTOMER_BODY, "hidden"),
    "title": Output(CUSTOMER_TITLE, "children"),
    "subtitle": Output(CUSTOMER_SUBTITLE, "children"),
    "score": Output(CUSTOMER_SCORE, "children"),
    "score_detail": Output(CUSTOMER_SCORE_DETAIL, "children"),
    "profile": Output(CUSTOMER_PROFILE, "children"),
    "waterfall": Output(CUSTOMER_WATERFALL, "figure"),
    "change": Output(CUSTOMER_CHANGE, "children"),
    "actions": Output(CUSTOMER_ACTIONS, "children"),
    "history": Output(CUSTOMER_HISTORY, "figure"),
}


def layout(customer_id: str | None = None, **_: Any) -> html.Div:
    """The page skeleton for one customer; its callback fills it (no I/O here)."""
    header = html.Div(
        [
            html.H1(id=CUSTOMER_TITLE, className="h3 mb-0"),
            html.Div(id=CUSTOMER_SUBTITLE, className="text-body-secondary small"),
        ],
        className="mb-3",
    )
    score_card = dbc.Card(
        dbc.CardBody(
            [
                html.Div("Churn probability", className="text-body-secondary small"),
                html.Div(id=CUSTOMER_SCORE, className="display-6 fw-semibold"),
                html.Div(id=CUSTOMER_SCORE_DETAIL, className="small text-body-secondary"),
            ]
        ),
        className="shadow-sm mb-3",
    )
    why = section(
        "Why: root-to-leaf path attributions from the model's base rate (model associations, not causes)",
        chart(CUSTOMER_WATERFALL),
    )
    body = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col([score_card, section("Profile", html.Div(id=CUSTOMER_PROFILE))], lg=4),
                    dbc.Col(why, lg=8),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(section("What changed since the last score", html.Div(id=CUSTOMER_CHANGE)), lg=5),
                    dbc.Col(section("Recommended actions", html.Div(id=CUSTOMER_ACTIONS)), lg=7),
                ],
                className="g-3 mb-3",
            ),
            section("Score history (dotted: the model changed)", chart(CUSTOMER_HISTORY)),
        ],
        id=CUSTOMER_BODY,
    )
    return html.Div([dcc.Store(id=CUSTOMER_ID, data=customer_id), header, html.Div(id=CUSTOMER_ALERT), body])


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page (reached from links, not the nav) and its callback."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__,
        path_template=PATH_TEMPLATE,
        name=NAME,
        title=f"{NAME} · Retention",
        order=90,
        layout=layout,
    )

    @app.callback(output=OUTPUTS, inputs={"customer_id": Input(CUSTOMER_ID, "data")})
    def show_customer(customer_id: str | None) -> dict[str, Any]:
        return load_customer(client, customer_id)
