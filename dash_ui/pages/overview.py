"""The overview page: headline numbers, risk spread, churn by plan and tenure, the largest expected losses."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dash_ui.api.client import GraphQLClient
from dash_ui.components.icons import icon
from dash_ui.components.kpi_card import kpi_card
from dash_ui.components.section import chart, section
from dash_ui.pages.overview_content import TOP_RISK_COUNT, load_overview

PATH = "/"
NAME = "Overview"

OVERVIEW_REFRESH = "overview-refresh"
OVERVIEW_META = "overview-meta"
OVERVIEW_ALERT = "overview-alert"
OVERVIEW_BODY = "overview-body"
OVERVIEW_RISK_SECTIONS = "overview-risk-sections"
OVERVIEW_KPI_CUSTOMERS = "overview-kpi-customers"
OVERVIEW_KPI_CHURN_RATE = "overview-kpi-churn-rate"
OVERVIEW_KPI_HIGH_RISK = "overview-kpi-high-risk"
OVERVIEW_KPI_REVENUE_AT_RISK = "overview-kpi-revenue-at-risk"
OVERVIEW_TIER_CHART = "overview-tier-chart"
OVERVIEW_DISTRIBUTION_CHART = "overview-distribution-chart"
OVERVIEW_PLAN_CHART = "overview-plan-chart"
OVERVIEW_RETENTION_CHART = "overview-retention-chart"
OVERVIEW_KPI_HEALTH = "overview-kpi-health"
OVERVIEW_KPI_ACTIVE = "overview-kpi-active"
OVERVIEW_TOP_RISK_TABLE = "overview-top-risk-table"
DETAIL_SUFFIX = "-detail"

# (key in the content dict, id of the value element, title, Bootstrap icon, what the number means)
_KPIS: tuple[tuple[str, str, str, str, str], ...] = (
    ("customers", OVERVIEW_KPI_CUSTOMERS, "Customers", "people", "Every stored customer, churned or not."),
    (
        "churn_rate",
        OVERVIEW_KPI_CHURN_RATE,
        "Churn rate (historical)",
        "box-arrow-right",
        "Customers labelled as churned in the imported data, over those with a label.",
    ),
    (
        "high_risk",
        OVERVIEW_KPI_HIGH_RISK,
        "Customers at high risk",
        "exclamation-triangle",
        "Customers whose latest churn probability is at or above the HIGH tier threshold.",
    ),
    (
        "revenue_at_risk",
        OVERVIEW_KPI_REVENUE_AT_RISK,
        "Monthly revenue at risk",
        "cash-coin",
        "The sum over scored customers of churn probability × monthly charges: the revenue a month the "
        "predicted churn would cost.",
    ),
    (
        "health",
        OVERVIEW_KPI_HEALTH,
        "Average health score",
        "heart-pulse",
        "The mean of the health scores the old system exported (0-100), where imported; not a model output.",
    ),
    (
        "active",
        OVERVIEW_KPI_ACTIVE,
        "Active customers",
        "person-check",
        "Customers not labelled as churned.",
    ),
)

OUTPUTS: dict[str, Output] = {
    "alert": Output(OVERVIEW_ALERT, "children"),
    "body_hidden": Output(OVERVIEW_BODY, "hidden"),
    "risk_hidden": Output(OVERVIEW_RISK_SECTIONS, "hidden"),
    "meta": Output(OVERVIEW_META, "children"),
    **{key: Output(value_id, "children") for key, value_id, *_ in _KPIS},
    **{f"{key}_detail": Output(value_id + DETAIL_SUFFIX, "children") for key, value_id, *_ in _KPIS},
    "tier_figure": Output(OVERVIEW_TIER_CHART, "figure"),
    "distribution_figure": Output(OVERVIEW_DISTRIBUTION_CHART, "figure"),
    "plan_figure": Output(OVERVIEW_PLAN_CHART, "figure"),
    "retention_figure": Output(OVERVIEW_RETENTION_CHART, "figure"),
    "top_risk_table": Output(OVERVIEW_TOP_RISK_TABLE, "children"),
}


def layout(**_: Any) -> html.Div:
    """The page skeleton; its one callback fills it (no I/O here: Dash calls this at start-up too)."""
    kpis = [
        dbc.Col(
            kpi_card(
                title=title,
                value_id=value_id,
                detail_id=value_id + DETAIL_SUFFIX,
                icon_name=icon_name,
                meaning=meaning,
            ),
            xs=12,
            sm=6,
            lg=4,
            xxl=2,
        )
        for _, value_id, title, icon_name, meaning in _KPIS
    ]
    risk_sections = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(section("Customers per risk tier", chart(OVERVIEW_TIER_CHART)), lg=5),
                    dbc.Col(
                        section("Spread of predicted churn risk", chart(OVERVIEW_DISTRIBUTION_CHART)), lg=7
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(section("Churn by plan, with 95% intervals", chart(OVERVIEW_PLAN_CHART)), lg=6),
                    dbc.Col(
                        section("Retained by tenure month (Kaplan-Meier)", chart(OVERVIEW_RETENTION_CHART)),
                        lg=6,
                    ),
                ],
                className="g-3 mb-3",
            ),
            section(
                f"The {TOP_RISK_COUNT} customers with the largest expected loss "
                "(probability × monthly charges)",
                html.Div(id=OVERVIEW_TOP_RISK_TABLE),
            ),
        ],
        id=OVERVIEW_RISK_SECTIONS,
    )
    kpi_row = dcc.Loading(dbc.Row(kpis, className="g-3 mb-3"), type="dot", delay_show=150)
    body = html.Div([kpi_row, risk_sections], id=OVERVIEW_BODY)
    return html.Div([_header(), html.Div(id=OVERVIEW_ALERT), body])


def _header() -> html.Div:
    refresh = dbc.Button(
        [icon("arrow-clockwise", class_name="me-1"), "Refresh"],
        id=OVERVIEW_REFRESH,
        color="secondary",
        outline=True,
        size="sm",
    )
    title = html.Div(
        [
            html.H1(NAME, className="h3 mb-0"),
            html.Div(id=OVERVIEW_META, className="text-body-secondary small"),
        ]
    )
    return html.Div([title, refresh], className="d-flex justify-content-between align-items-start mb-3")


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page and its callback on `app`, which reads through `client`."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__, path=PATH, name=NAME, title=f"{NAME} · Retention", order=0, layout=layout
    )

    # The refresh button's initial call (n_clicks=None) is the page load: it fires once each time the page
    # is rendered (first visit, browser refresh, coming back through the nav), and again on every click.
    @app.callback(
        output=OUTPUTS,
        inputs={"_clicks": Input(OVERVIEW_REFRESH, "n_clicks")},
        running=[(Output(OVERVIEW_REFRESH, "disabled"), True, False)],
    )
    def refresh_overview(_clicks: int | None) -> dict[str, Any]:
        return load_overview(client)
