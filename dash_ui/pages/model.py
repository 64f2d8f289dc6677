"""The model page: how far to trust the served version, against its baseline, and every version."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.icons import icon
from dash_ui.components.section import chart, section
from dash_ui.pages.model_actions import activate, follow, start_training
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
MODEL_TRAIN = "model-train"
MODEL_JOB = "model-job"
MODEL_JOB_STATUS = "model-job-status"
MODEL_JOB_POLL = "model-job-poll"
MODEL_ACTIVATE_VERSION = "model-activate-version"
MODEL_ACTIVATE = "model-activate"
MODEL_ACTIVATE_STATUS = "model-activate-status"

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
    "version_options": Output(MODEL_ACTIVATE_VERSION, "options"),
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
                className="g-3 mb-3",
            ),
            section("Change the model (admins)", _actions()),
        ],
        id=MODEL_BODY,
    )
    return html.Div([header, html.Div(id=MODEL_ALERT), body])


def _actions() -> html.Div:
    train = html.Div(
        [
            dbc.Button("Train a new version", id=MODEL_TRAIN, color="primary", size="sm", className="mb-2"),
            html.Div(id=MODEL_JOB_STATUS),
            dcc.Store(id=MODEL_JOB),
            dcc.Interval(id=MODEL_JOB_POLL, interval=1_000, disabled=True),
        ]
    )
    activate = html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.Select(id=MODEL_ACTIVATE_VERSION, options=[], placeholder="Version", size="sm"),
                    dbc.Button("Activate", id=MODEL_ACTIVATE, color="secondary", outline=True, size="sm"),
                ],
                size="sm",
                className="mb-2",
            ),
            html.Div(id=MODEL_ACTIVATE_STATUS),
        ]
    )
    note = html.P(
        "Training runs as a background job on the server and activates the new version only when none is "
        "active; activating (or rolling back to) a version serves it at once and queues a rescore. Needs "
        "an admin account.",
        className="small text-body-secondary",
    )
    return html.Div([note, dbc.Row([dbc.Col(train, md=6), dbc.Col(activate, md=6)], className="g-3")])


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

    @app.callback(
        Output(MODEL_JOB, "data"),
        Output(MODEL_JOB_STATUS, "children", allow_duplicate=True),
        Output(MODEL_JOB_POLL, "disabled", allow_duplicate=True),
        Input(MODEL_TRAIN, "n_clicks"),
        prevent_initial_call=True,
    )
    def train(_clicks: int) -> tuple[Any, ...]:
        job_id, shown = start_training(client)
        return job_id, shown, job_id is None

    @app.callback(
        Output(MODEL_JOB_STATUS, "children"),
        Output(MODEL_JOB_POLL, "disabled"),
        Input(MODEL_JOB_POLL, "n_intervals"),
        State(MODEL_JOB, "data"),
        prevent_initial_call=True,
    )
    def poll(_ticks: int, job_id: str | None) -> tuple[Any, ...]:
        if not job_id:
            return None, True
        done, shown = follow(client, job_id)
        return shown, done

    @app.callback(
        Output(MODEL_ACTIVATE_STATUS, "children"),
        Input(MODEL_ACTIVATE, "n_clicks"),
        State(MODEL_ACTIVATE_VERSION, "value"),
        prevent_initial_call=True,
    )
    def activate_version(_clicks: int, version: str | None) -> Any:
        return activate(client, version)
