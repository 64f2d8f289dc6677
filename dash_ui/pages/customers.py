"""The customers page: every customer in a server-side grid, filtered by a view the URL holds, exported
to CSV from the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, ctx, dcc, html
from flask import Response, request, stream_with_context

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import CUSTOMER_PLANS
from dash_ui.components.alerts import error_alert
from dash_ui.components.risk_table import customer_href
from dash_ui.pages import customers_view as views
from dash_ui.pages.customers_export import csv_lines
from dash_ui.pages.customers_rows import PAGE, CursorCache, fetch_block

PATH = "/customers"
NAME = "Customers"

CUSTOMERS_URL = "customers-url"
CUSTOMERS_TIER = "customers-tier"
CUSTOMERS_PLAN = "customers-plan"
CUSTOMERS_MIN = "customers-min"
CUSTOMERS_MAX = "customers-max"
CUSTOMERS_SEARCH = "customers-search"
CUSTOMERS_GRID_SLOT = "customers-grid-slot"
CUSTOMERS_ALERT = "customers-alert"
CUSTOMERS_EXPORT = "customers-export"
GRID_TYPE = "customers-grid"
ANY = "any"  # the selects' "no filter" value, never sent as a filter

COLUMNS: list[dict[str, Any]] = [
    {"field": "id", "headerName": "Customer", "cellRenderer": "CustomerLink", "pinned": "left", "width": 150},
    {"field": "name", "headerName": "Name", "sortable": True, "width": 190},
    {"field": "plan", "headerName": "Plan", "width": 110},
    {"field": "probability", "headerName": "Churn probability", "sortable": True, "type": "rightAligned"},
    {"field": "tier", "headerName": "Tier", "width": 100},
    {
        "field": "expectedLoss",
        "headerName": "Expected loss / month",
        "sortable": True,
        "type": "rightAligned",
    },
    {"field": "monthlyCharges", "headerName": "Monthly charges", "sortable": True, "type": "rightAligned"},
    {"field": "tenureMonths", "headerName": "Tenure (months)", "sortable": True, "type": "rightAligned"},
    {"field": "lastLoginDays", "headerName": "Days since login", "sortable": True, "type": "rightAligned"},
    {"field": "email", "headerName": "Email", "width": 230},
]


def layout(**_: Any) -> html.Div:
    """Filters, the grid slot and the export link; callbacks fill them from the URL (no I/O here)."""
    tier = dbc.Select(
        id=CUSTOMERS_TIER,
        options=[{"label": "Any tier", "value": ANY}]
        + [{"label": t.title(), "value": t} for t in views.TIERS],
        value=ANY,
        size="sm",
    )
    plan = dbc.Select(id=CUSTOMERS_PLAN, options=[{"label": "Any plan", "value": ANY}], value=ANY, size="sm")
    score = dbc.InputGroup(
        [
            dbc.InputGroupText("Score"),
            dbc.Input(
                id=CUSTOMERS_MIN, type="number", min=0, max=100, step=1, placeholder="from", debounce=True
            ),
            dbc.Input(
                id=CUSTOMERS_MAX, type="number", min=0, max=100, step=1, placeholder="to", debounce=True
            ),
        ],
        size="sm",
    )
    search = dbc.Input(
        id=CUSTOMERS_SEARCH,
        type="search",
        placeholder="Id, name or email starts with…",
        debounce=True,
        size="sm",
    )
    export = html.A(
        [html.I(className="bi bi-download me-1"), "Export CSV"],
        id=CUSTOMERS_EXPORT,
        className="btn btn-outline-secondary btn-sm",
        href="",
    )
    filters = dbc.Row(
        [
            dbc.Col(tier, md=2),
            dbc.Col(plan, md=2),
            dbc.Col(score, md=3),
            dbc.Col(search, md=3),
            dbc.Col(export, md=2, className="text-md-end"),
        ],
        className="g-2 mb-2 align-items-center",
    )
    return html.Div(
        [
            dcc.Location(id=CUSTOMERS_URL, refresh=False),
            html.H1(NAME, className="h3 mb-1"),
            html.P(
                "Every customer, highest risk first; sort by a column, filter above. The view is in the "
                "address: share it.",
                className="text-body-secondary small",
            ),
            filters,
            html.Div(id=CUSTOMERS_ALERT),
            html.Div(id=CUSTOMERS_GRID_SLOT),
        ]
    )


def grid(view: views.View) -> dag.AgGrid:
    """A fresh grid for `view`: a new id per view, so changing the filter starts from an empty cache."""
    return dag.AgGrid(
        id={"type": GRID_TYPE, "view": views.to_search(view) or "all"},
        columnDefs=COLUMNS,
        defaultColDef={"sortable": False, "resizable": True, "suppressHeaderMenuButton": True},
        rowModelType="infinite",
        dashGridOptions={
            "cacheBlockSize": PAGE,
            "maxConcurrentDatasourceRequests": 1,
            "blockLoadDebounceMillis": 150,
            "infiniteInitialRowCount": PAGE,
            "rowBuffer": 0,
            "context": views.as_dict(view),
        },
        style={"height": "70vh"},
        className="ag-theme-quartz",
    )


def register(app: dash.Dash, client: GraphQLClient) -> None:
    """Register the page, its callbacks and its CSV export route."""
    dash.register_page(  # type: ignore[no-untyped-call]  # dash ships it without annotations
        __name__, path=PATH, name=NAME, title=f"{NAME} · Retention", order=10, layout=layout
    )
    cache = CursorCache()

    @app.callback(
        Output(CUSTOMERS_URL, "search"),
        Output(CUSTOMERS_TIER, "value"),
        Output(CUSTOMERS_PLAN, "value"),
        Output(CUSTOMERS_MIN, "value"),
        Output(CUSTOMERS_MAX, "value"),
        Output(CUSTOMERS_SEARCH, "value"),
        Input(CUSTOMERS_URL, "search"),
        Input(CUSTOMERS_TIER, "value"),
        Input(CUSTOMERS_PLAN, "value"),
        Input(CUSTOMERS_MIN, "value"),
        Input(CUSTOMERS_MAX, "value"),
        Input(CUSTOMERS_SEARCH, "value"),
    )
    def sync_view(
        search: str | None, tier: str, plan: str, low: Any, high: Any, text: str | None
    ) -> tuple[Any, ...]:
        # One callback both ways: the address sets the controls on arrival, the controls set the address.
        if ctx.triggered_id in (None, CUSTOMERS_URL):
            view = views.from_search(search)
        else:
            view = views.checked(
                tier=None if tier == ANY else tier,
                plan=None if plan == ANY else plan,
                min_score=low,
                max_score=high,
                search=text,
            )
        return (
            views.to_search(view),
            view.tier or ANY,
            view.plan or ANY,
            view.min_score,
            view.max_score,
            view.search or "",
        )

    @app.callback(
        Output(CUSTOMERS_GRID_SLOT, "children"),
        Output(CUSTOMERS_EXPORT, "href"),
        Output(CUSTOMERS_PLAN, "options"),
        Input(CUSTOMERS_URL, "search"),
        State(CUSTOMERS_PLAN, "options"),
    )
    def show_grid(search: str | None, options: list[dict[str, str]]) -> tuple[Any, ...]:
        view = views.from_search(search)
        if len(options) <= 1:
            try:
                listed = client.execute(CUSTOMER_PLANS)["features"]
                plans = next(f["categories"] for f in listed if f["name"] == "subscriptionType")
            except (ApiError, StopIteration):
                plans = []
            options = [{"label": "Any plan", "value": ANY}] + [{"label": p, "value": p} for p in plans]
        export = str(dash.get_relative_path("/customers.csv"))  # type: ignore[no-untyped-call]
        href = export + views.to_search(view)
        return grid(view), href, options

    @app.callback(
        Output({"type": GRID_TYPE, "view": MATCH}, "getRowsResponse"),
        Output(CUSTOMERS_ALERT, "children"),
        Input({"type": GRID_TYPE, "view": MATCH}, "getRowsRequest"),
        prevent_initial_call=True,
    )
    def rows(asked: dict[str, Any] | None) -> tuple[Any, ...]:
        asked = asked or {}
        context = asked.get("context") if isinstance(asked.get("context"), dict) else {}
        view = views.checked(**(context or {}))
        try:
            return fetch_block(client, cache, view, asked, customer_href), None
        except ApiError as error:
            # The grid never hears of a failure: an empty block keeps it responsive, the alert says why.
            return {"rowData": []}, error_alert(error)

    @app.server.route("/customers.csv")  # type: ignore[untyped-decorator]  # flask's route is untyped here
    def export_csv() -> Response:
        view = views.from_search("?" + request.query_string.decode("ascii", "replace"))
        name = "customers" + "".join(f"-{v}" for v in (view.tier, view.plan) if v) + ".csv"
        return Response(
            stream_with_context(csv_lines(client, view)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
