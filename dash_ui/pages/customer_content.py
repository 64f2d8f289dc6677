"""What the customer page shows, from one GraphQL answer: profile, score, why, what changed, what to do."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import CUSTOMER_PAGE
from dash_ui.components.alerts import error_alert, notice_alert
from dash_ui.components.risk_table import tier_badge
from dash_ui.figures.history_chart import Point, risk_history_figure
from dash_ui.figures.style import empty_figure
from dash_ui.figures.waterfall import Step, drivers_waterfall
from dash_ui.formatting import MISSING, format_money, format_percent

HISTORY_SIZE = 100
# Customer ids are ASCII letters, digits and _-. (the importer's rule); anything else is not looked up.
_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
ASSOCIATION_NOTE = (
    "What the model predicts if the change were made: an association learnt from customers as they "
    "were, not a promised effect."
)

Content = dict[str, Any]
JsonObject = dict[str, Any]


def valid_customer_id(customer_id: str | None) -> bool:
    """True for an id the importer could have stored (the URL path is not decoded or checked by Dash)."""
    return bool(customer_id) and len(customer_id or "") <= 64 and set(customer_id or "") <= _ID_CHARACTERS


def load_customer(client: GraphQLClient, customer_id: str | None) -> Content:
    """Send the page's one document; an unknown id or an API error becomes an alert."""
    if not valid_customer_id(customer_id):
        return error_content(notice_alert("No such customer", "Customer ids are letters, digits and _-."))
    try:
        data = client.execute(CUSTOMER_PAGE, {"id": customer_id, "historySize": HISTORY_SIZE})
    except ApiError as error:
        if error.code == "NOT_FOUND":
            return error_content(notice_alert("No such customer", f"There is no customer `{customer_id}`."))
        return error_content(error_alert(error))
    return customer_content(data)


def error_content(alert: dbc.Alert) -> Content:
    """The page when there is nothing to show: the alert and every section hidden."""
    return {
        "alert": alert,
        "body_hidden": True,
        "title": "Customer",
        "subtitle": "",
        "score": MISSING,
        "score_detail": "",
        "profile": None,
        "waterfall": empty_figure(""),
        "change": None,
        "actions": None,
        "history": empty_figure(""),
    }


def customer_content(data: JsonObject) -> Content:
    """Every section's content from the CustomerPage answer."""
    customer, features = data["customer"], data["features"]
    labels = {f["column"]: f["label"] for f in features}
    risk = customer["risk"]
    content: Content = {
        "alert": None
        if risk
        else notice_alert("Not scored yet", "Run `retention score` to score this customer."),
        "body_hidden": False,
        "title": customer["name"],
        "subtitle": f"{customer['id']} · {customer['email']} · {customer['subscriptionType']} plan",
        "score": MISSING,
        "score_detail": "",
        "profile": profile_table(customer, features),
        "waterfall": empty_figure("Not scored yet"),
        "change": change_panel(customer["riskChange"], labels),
        "actions": actions_table(customer["recommendedActions"], customer["monthlyCharges"]),
        "history": risk_history_figure(
            [
                Point(e["node"]["scoredAt"], e["node"]["probability"], e["node"]["modelVersion"])
                for e in customer["riskHistory"]["edges"]
            ]
        ),
    }
    if risk:
        content["score"] = [format_percent(risk["probability"]), " ", tier_badge(risk["tier"])]
        content["score_detail"] = (
            f"score {risk['score']} · model {risk['modelVersion']} · scored {risk['scoredAt'][:16]} UTC"
        )
        content["waterfall"] = waterfall_of(risk)
    return content


def waterfall_of(risk: JsonObject) -> Any:
    """The drivers waterfall of a GraphQL `Risk` (probability, baseValue, drivers)."""
    steps = [Step(d["label"], shown(d["value"]), d["contribution"]) for d in risk["drivers"]]
    return drivers_waterfall(risk["baseValue"], steps, risk["probability"])


def shown(value: object) -> str:
    """A feature value as a person reads it."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def profile_table(customer: JsonObject, features: list[JsonObject]) -> dbc.Table:
    """Every stored attribute but the identifiers, with its label and unit."""
    rows = []
    for feature in features:
        if feature["role"] == "IDENTIFIER":
            continue
        value = customer.get(feature["name"])
        unit = f" {feature['unit']}" if feature.get("unit") and value is not None else ""
        if feature["name"] == "monthlyCharges":
            text = format_money(value, digits=2)
        else:
            text = shown(value) + unit
        rows.append(html.Tr([html.Th(feature["label"], scope="row", className="fw-normal"), html.Td(text)]))
    return dbc.Table(html.Tbody(rows), size="sm", className="mb-0 profile-table")


def change_panel(change: JsonObject | None, labels: dict[str, str]) -> html.Div | html.P:
    """What moved the score since the previous snapshot, feature by feature."""
    if change is None:
        return html.P("Only one score so far: nothing to compare.", className="text-body-secondary mb-0")
    before, after = change["from"], change["to"]
    head = (
        f"{format_percent(before['probability'])} → {format_percent(after['probability'])} "
        f"({change['delta'] * 100:+.1f} points) since {before['scoredAt'][:16]} UTC"
    )
    notes = [html.P(head, className="fw-semibold mb-2")]
    if change["modelChanged"]:
        notes.append(
            html.P(
                f"The model changed ({before['modelVersion']} → {after['modelVersion']}); "
                f"its base rate moved "
                f"{change['baseValueChange'] * 100:+.1f} points.",
                className="small text-body-secondary",
            )
        )
    moved = [d for d in change["drivers"] if abs(d["contribution"]) >= 0.0005][:6]
    if not moved:
        notes.append(html.P("No feature moved the score.", className="text-body-secondary mb-0"))
        return html.Div(notes)
    rows = [
        html.Tr(
            [
                html.Td(labels.get(d["feature"], d["label"])),
                html.Td(f"{shown(d['valueBefore'])} → {shown(d['valueAfter'])}"),
                html.Td(f"{d['contribution'] * 100:+.1f}", className="text-end"),
            ]
        )
        for d in moved
    ]
    header = html.Thead(
        html.Tr([html.Th("Feature"), html.Th("Value"), html.Th("Points", className="text-end")])
    )
    notes.append(dbc.Table([header, html.Tbody(rows)], size="sm", className="mb-0"))
    return html.Div(notes)


def actions_table(actions: list[JsonObject], monthly_charges: float) -> html.Div | html.P:
    """The applicable actions, best expected revenue saved first, with the caveat they need."""
    if not actions:
        return html.P("No declared action applies to this customer.", className="text-body-secondary mb-0")
    rows = [
        html.Tr(
            [
                html.Td([html.Div(a["description"]), html.Code(a["action"], className="small")]),
                html.Td(format_percent(a["newProbability"]), className="text-end"),
                html.Td(f"{a['riskReduction'] * 100:+.1f}", className="text-end"),
                html.Td(format_money(a["expectedRevenueSaved"]), className="text-end"),
            ]
        )
        for a in actions
    ]
    header = html.Thead(
        html.Tr(
            [
                html.Th("Action"),
                html.Th("New probability", className="text-end"),
                html.Th("Risk reduction (points)", className="text-end"),
                html.Th("Expected revenue saved", className="text-end"),
            ]
        )
    )
    note = html.P(ASSOCIATION_NOTE, className="small text-body-secondary mt-2 mb-0")
    return html.Div(
        [dbc.Table([header, html.Tbody(rows)], size="sm", responsive=True, className="mb-0"), note]
    )
