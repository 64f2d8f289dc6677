"""The model page: how far to trust the served version, against its baseline, and every version."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.icons import icon
from dash_ui.components.section import chart, section
from dash_ui.pages.model_content import load_model

PATH = "/model"
NAME = "Model"

MODEL_REFRESH = "model-refresh"
MODEL_ALERT = "model-alert"
MODEL_BODY = "model-body"
MODEL_META = "model-meta"
MODEL_METRICS = "model-metrics"
MODEL_ROC = "model-roc"
MODEL_PR = "model-pr"
MODEL_RELIABILITY = "model-reliability"
MODEL_CONFUSION = "model-confusion"
MODEL_PARAMETERS = "model-parameters"
MODEL_VERSIONS = "model-versions"

OUTPUTS: dict[str, Output] = {
    "alert": Output(MODEL_ALERT, "children"),
    "body_hidden": Output(MODEL_BODY, "hidden"),
    "meta": Output(MODEL_META, "children"),
    "metrics": Output(MODEL_METRICS, "children"),
    "roc": Output(MODEL_ROC, "figure"),
    "pr": Output(MODEL_PR, "figure"),
    "reliability": Output(MODEL_RELIABILITY, "figure"),
    "confusion": Output(MODEL_CONFUSION, "children"),
    "parameters": Output(MODEL_PARAMETERS, "children"),
    "versions": Output(MODEL_VERSIONS, "children"),
}


def layout(**_: Any) -> html.Div:
    """The page skeleton; its one callback fills it (no I/O here)."""
    refresh = dbc.Button(
        [icon("arrow-clockwise", class_name="me-1"), "Refresh"],
        id=MODEL_REFRESH,
        color="secondary",
        outline=True,
        size="sm",
    )
    header = html.Div(
        [
            html.Div(
                [
                    html.H1(NAME, className="h3 mb-0"),
                    html.Div(id=MODEL_META, className="text-body-secondary small"),
                ]
            ),
            refresh,
        ],
        className="d-flex justify-content-between align-items-start mb-3",
    )
    body = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Against the logistic baseline (held-out customers)", html.Div(id=MODEL_METRICS)
                        ),
                        lg=5,
                    ),
                    dbc.Col(section("Confusion at the tier thresholds", html.Div(id=MODEL_CONFUSION)), lg=7),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(section("ROC curve", chart(MODEL_ROC)), lg=4),
                    dbc.Col(section("Precision and recall", chart(MODEL_PR)), lg=4),
                    dbc.Col(
                        section("Reliability: predicted against observed", chart(MODEL_RELIABILITY)), lg=4
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(section("Chosen parameters", html.Div(id=MODEL_PARAMETERS)), lg=4),
                    dbc.Col(section("Versions", html.Div(id=MODEL_VERSIONS)), lg=8),
                ],
                className="g-3",
            ),
        ],
        id=MODEL_BODY,
    )
    return html.Div([header, html.Div(id=MODEL_ALERT), body])


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page and its callback."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__, path=PATH, name=NAME, title=f"{NAME} · Retention", order=40, layout=layout
    )

    @app.callback(
        output=OUTPUTS,
        inputs={"_clicks": Input(MODEL_REFRESH, "n_clicks")},
        running=[(Output(MODEL_REFRESH, "disabled"), True, False)],
    )
    def show_model(_clicks: int | None) -> dict[str, Any]:
        return load_model(client)
