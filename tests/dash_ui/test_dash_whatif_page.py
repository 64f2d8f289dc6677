"""The what-if page: a form generated from the feature schema, scored by the API, refusals explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_ui.api.documents import WHATIF_SCORE
from dash_ui.pages.whatif_content import load_customer_values, load_start, model_inputs, score

FEATURES = [
    {
        "name": "customerId",
        "column": "customer_id",
        "label": "Customer id",
        "unit": None,
        "kind": "TEXT",
        "modelInput": False,
        "minimum": None,
        "maximum": None,
        "categories": [],
        "description": "Id.",
    },
    {
        "name": "tenureMonths",
        "column": "tenure_months",
        "label": "Tenure",
        "unit": "months",
        "kind": "INT",
        "modelInput": True,
        "minimum": 0,
        "maximum": 600,
        "categories": [],
        "description": "Months.",
    },
    {
        "name": "usageDropFlag",
        "column": "usage_drop_flag",
        "label": "Usage dropped",
        "unit": None,
        "kind": "FLAG",
        "modelInput": True,
        "minimum": None,
        "maximum": None,
        "categories": [],
        "description": "Drop.",
    },
    {
        "name": "subscriptionType",
        "column": "subscription_type",
        "label": "Plan",
        "unit": None,
        "kind": "CATEGORY",
        "modelInput": True,
        "minimum": None,
        "maximum": None,
        "categories": ["Basic", "Premium"],
        "description": "Plan.",
    },
]
TYPICAL = {"tenureMonths": 14, "usageDropFlag": False, "subscriptionType": "Basic"}


def _components(node: Any) -> list[Any]:
    found = [node]
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            found += _components(child)
    return found


def test_the_form_has_one_control_per_model_input_filled_with_the_typical_customer(
    client_answering: Callable[..., Any],
) -> None:
    client, _ = client_answering(
        {"data": {"features": FEATURES, "model": {"version": "v1", "typicalProfile": TYPICAL}}}
    )

    start = load_start(client)

    controls = {
        c.id["name"]: c for c in _components(start["form"]) if isinstance(getattr(c, "id", None), dict)
    }
    assert list(controls) == ["tenureMonths", "usageDropFlag", "subscriptionType"]
    assert controls["tenureMonths"].type == "number" and controls["tenureMonths"].max == 600
    assert controls["tenureMonths"].value == 14 and controls["usageDropFlag"].value is False
    assert [o["value"] for o in controls["subscriptionType"].options] == ["Basic", "Premium"]
    assert [f["name"] for f in start["features"]] == ["tenureMonths", "usageDropFlag", "subscriptionType"]


def test_a_profile_is_scored_by_the_api_and_drawn_as_a_waterfall(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    risk = {
        "probability": 0.42,
        "score": 42,
        "tier": "MEDIUM",
        "modelVersion": "v1",
        "baseValue": 0.2,
        "drivers": [{"feature": "tenure_months", "label": "Tenure", "value": 14, "contribution": 0.22}],
    }
    client, transport = client_answering({"data": {"scoreProfile": risk}})

    scored = score(client, TYPICAL)

    assert (
        transport.payloads[0]["query"] == WHATIF_SCORE
        and transport.payloads[0]["variables"]["profile"] == TYPICAL
    )
    assert scored["probability"] == "42.0%" and "Medium" in text_of(scored["tier"])
    assert scored["waterfall"].data[0].x[-1] == 0.42


def test_an_empty_field_is_named_and_nothing_is_sent(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, transport = client_answering()

    scored = score(client, {**TYPICAL, "tenureMonths": None})

    assert transport.payloads == [] and "tenureMonths" in text_of(scored["alert"])


def test_the_apis_refusal_of_a_value_is_shown_with_its_message(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    refusal = {
        "message": "profile.tenureMonths: 9999 is above the maximum 600",
        "extensions": {"code": "BAD_USER_INPUT"},
    }
    client, _ = client_answering({"data": None, "errors": [refusal]})

    scored = score(client, {**TYPICAL, "tenureMonths": 9999})

    assert "above the maximum 600" in text_of(scored["alert"]) and scored["probability"] == "—"


def test_a_customer_is_loaded_with_a_document_built_from_the_schema(
    client_answering: Callable[..., Any],
) -> None:
    client, transport = client_answering({"data": {"customer": TYPICAL}})
    names = [f["name"] for f in model_inputs(FEATURES)]

    values, alert = load_customer_values(client, "CUST0001", names)

    assert values == TYPICAL and alert is None
    assert (
        "customer(id: $id) { tenureMonths usageDropFlag subscriptionType }" in transport.payloads[0]["query"]
    )
