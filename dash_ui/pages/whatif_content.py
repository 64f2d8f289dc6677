"""What the what-if page shows: inputs generated from the API's feature schema, and the model's answer."""

from __future__ import annotations

import re
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import WHATIF_SCORE, WHATIF_START, customer_profile_document
from dash_ui.components.alerts import error_alert, notice_alert
from dash_ui.components.risk_table import tier_badge
from dash_ui.figures.style import empty_figure
from dash_ui.formatting import MISSING, format_percent
from dash_ui.pages.customer_content import valid_customer_id, waterfall_of

FIELD_TYPE = "whatif-field"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
ASSOCIATION_NOTE = (
    "What the active model predicts for this profile. Changing a value shows what the model associates "
    "with it, learnt from customers as they were: not what the change would cause."
)

Content = dict[str, Any]
JsonObject = dict[str, Any]


def model_inputs(features: list[JsonObject]) -> list[JsonObject]:
    """The features the model reads, in the schema's order, with names safe to put in a document."""
    return [f for f in features if f["modelInput"] and _GRAPHQL_NAME.fullmatch(f["name"])]


def load_start(client: GraphQLClient) -> Content:
    """The form, filled with the model's typical customer; an alert when there is no model or no API."""
    try:
        data = client.execute(WHATIF_START)
    except ApiError as error:
        if error.code == "MODEL_NOT_READY":
            hint = (
                "Train a model with `retention train`, then refresh: a what-if is scored by the active model."
            )
            return {"alert": notice_alert("No model yet", hint), "form": None, "features": []}
        return {"alert": error_alert(error), "form": None, "features": []}
    inputs = model_inputs(data["features"])
    typical = data["model"]["typicalProfile"]
    alert = None
    if typical is None:
        alert = notice_alert(
            "No typical customer for this model",
            f"Model {data['model']['version']} was trained before typical profiles were kept: start from a "
            "customer id above, or retrain with `retention train`.",
        )
    return {"alert": alert, "form": form(inputs, typical or {}), "features": inputs}


def form(inputs: list[JsonObject], values: JsonObject) -> dbc.Row:
    """One labelled control per feature: numbers with their range and unit, flags as switches, categories
    as selects."""
    return dbc.Row([dbc.Col(_control(f, values.get(f["name"])), md=6, xl=4) for f in inputs], className="g-2")


def _control(feature: JsonObject, value: Any) -> html.Div | html.Label:
    control_id = {"type": FIELD_TYPE, "name": feature["name"]}
    if feature["kind"] == "FLAG":
        switch = dbc.Switch(id=control_id, value=bool(value), label=feature["label"], className="mt-4")
        return html.Div(switch, title=feature["description"])
    # The label wraps its control, so it names it (a pattern-matching id cannot be a `for` target).
    caption = html.Span(feature["label"], className="small d-block")
    if feature["kind"] == "CATEGORY":
        options = [{"label": c, "value": c} for c in feature["categories"]]
        select = dbc.Select(id=control_id, options=options, value=value, size="sm")
        return html.Label([caption, select], className="w-100", title=feature["description"])
    step = 1 if feature["kind"] == "INT" else "any"
    number = dbc.Input(
        id=control_id,
        type="number",
        value=value,
        min=feature["minimum"],
        max=feature["maximum"],
        step=step,
        debounce=True,
        size="sm",
        required=True,
    )
    parts: list[Any] = [number]
    if feature.get("unit"):
        parts.append(dbc.InputGroupText(feature["unit"]))
    return html.Label(
        [caption, dbc.InputGroup(parts, size="sm")], className="w-100", title=feature["description"]
    )


def load_customer_values(
    client: GraphQLClient, customer_id: str | None, fields: list[str]
) -> tuple[JsonObject | None, Any]:
    """(the customer's values by field name, or None) and an alert saying why not."""
    if not valid_customer_id(customer_id):
        return None, notice_alert("No such customer", "Customer ids are letters, digits and _-.")
    try:
        data = client.execute(customer_profile_document(fields), {"id": customer_id})
    except ApiError as error:
        if error.code == "NOT_FOUND":
            return None, notice_alert("No such customer", f"There is no customer `{customer_id}`.")
        return None, error_alert(error)
    return data["customer"], None


def score(client: GraphQLClient, profile: JsonObject) -> Content:
    """The model's probability, tier and drivers for `profile`, or what is missing or wrong."""
    if not profile:  # the form is not built yet
        return _unscored(None)
    missing = [name for name, value in profile.items() if value is None or value == ""]
    if missing:
        return _unscored(
            notice_alert("Fill in every field", f"Missing or out of range: {', '.join(missing)}.")
        )
    try:
        risk = client.execute(WHATIF_SCORE, {"profile": profile})["scoreProfile"]
    except ApiError as error:
        return _unscored(error_alert(error))
    return {
        "alert": None,
        "probability": format_percent(risk["probability"]),
        "tier": tier_badge(risk["tier"]),
        "detail": f"score {risk['score']} · model {risk['modelVersion']}",
        "waterfall": waterfall_of(risk),
    }


def _unscored(alert: Any) -> Content:
    return {"alert": alert, "probability": MISSING, "tier": None, "detail": "", "waterfall": empty_figure("")}
