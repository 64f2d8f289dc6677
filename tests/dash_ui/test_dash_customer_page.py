"""The customer page's content from a CustomerPage answer: score, waterfall, change, actions, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dash_ui.api.documents import CUSTOMER_PAGE
from dash_ui.figures.history_chart import Point, model_changes
from dash_ui.figures.waterfall import SHOWN_DRIVERS
from dash_ui.pages.customer_content import load_customer, valid_customer_id

FEATURES = [
    {
        "name": "customerId",
        "column": "customer_id",
        "label": "Customer id",
        "unit": None,
        "kind": "TEXT",
        "role": "IDENTIFIER",
    },
    {
        "name": "tenureMonths",
        "column": "tenure_months",
        "label": "Tenure",
        "unit": "months",
        "kind": "INT",
        "role": "FEATURE",
    },
    {
        "name": "monthlyCharges",
        "column": "monthly_charges",
        "label": "Monthly charges",
        "unit": "USD",
        "kind": "FLOAT",
        "role": "FEATURE",
    },
    {
        "name": "usageDropFlag",
        "column": "usage_drop_flag",
        "label": "Usage dropped",
        "unit": None,
        "kind": "FLAG",
        "role": "FEATURE",
    },
]


def _drivers(count: int) -> list[dict[str, Any]]:
    return [
        {"feature": f"f{i}", "label": f"Feature {i}", "value": i, "contribution": (-1) ** i * 0.01 * (i + 1)}
        for i in range(count)
    ]


def answer(*, scored: bool = True, change: bool = True) -> dict[str, Any]:
    drivers = _drivers(12)
    base = 0.2
    probability = base + sum(d["contribution"] for d in drivers)
    risk = {
        "probability": probability,
        "score": round(probability * 100),
        "tier": "MEDIUM",
        "modelVersion": "v2",
        "scoredAt": "2026-12-01T10:00:00+00:00",
        "baseValue": base,
        "drivers": drivers,
    }
    history = [
        {"node": {"probability": probability, "modelVersion": "v2", "scoredAt": "2026-12-01T10:00:00+00:00"}},
        {"node": {"probability": 0.3, "modelVersion": "v1", "scoredAt": "2026-11-01T10:00:00+00:00"}},
    ]
    return {
        "features": FEATURES,
        "customer": {
            "id": "CUST0007",
            "name": "Ada Byron",
            "email": "ada@example.com",
            "subscriptionType": "Premium",
            "tenureMonths": 14,
            "monthlyCharges": 79.5,
            "usageDropFlag": True,
            "risk": risk if scored else None,
            "riskChange": {
                "from": {"probability": 0.3, "modelVersion": "v1", "scoredAt": "2026-11-01T10:00:00+00:00"},
                "to": {"probability": probability, "modelVersion": "v2", "scoredAt": risk["scoredAt"]},
                "delta": probability - 0.3,
                "baseValueChange": 0.02,
                "modelChanged": True,
                "drivers": [
                    {
                        "feature": "tenure_months",
                        "label": "Tenure",
                        "valueBefore": 13,
                        "valueAfter": 14,
                        "contribution": -0.04,
                    },
                ],
            }
            if change
            else None,
            "recommendedActions": [
                {
                    "action": "RESOLVE_OPEN_TICKETS",
                    "description": "Resolve open tickets",
                    "newProbability": 0.18,
                    "riskReduction": 0.07,
                    "expectedRevenueSaved": 66.78,
                }
            ],
            "riskHistory": {"edges": history if scored else []},
        },
    }


def test_the_page_sends_one_document_with_the_id_as_a_variable(client_answering: Callable[..., Any]) -> None:
    client, transport = client_answering({"data": answer()})

    load_customer(client, "CUST0007")

    (payload,) = transport.payloads
    assert payload["query"] == CUSTOMER_PAGE and payload["variables"]["id"] == "CUST0007"


def test_a_scored_customer_shows_its_probability_tier_waterfall_and_history(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, _ = client_answering({"data": answer()})

    content = load_customer(client, "CUST0007")

    assert content["alert"] is None and content["body_hidden"] is False
    assert content["title"] == "Ada Byron" and "CUST0007" in content["subtitle"]
    assert "%" in text_of(content["score"]) and "Medium" in text_of(content["score"])
    waterfall = content["waterfall"].data[0]
    assert waterfall.y[0] == "Base rate" and waterfall.y[-1] == "Churn probability"
    assert len(waterfall.y) == 1 + SHOWN_DRIVERS + 1 + 1  # base, the top drivers, the rest, the total
    assert sum(waterfall.x[:-1]) == pytest.approx(waterfall.x[-1])
    profile = text_of(content["profile"])
    assert "Tenure" in profile and "14 months" in profile and "$79.50" in profile and "yes" in profile
    assert "Customer id" not in profile
    assert "model changed" in text_of(content["change"]) and "13 → 14" in text_of(content["change"])
    assert "Resolve open tickets" in text_of(content["actions"]) and "$67" in text_of(content["actions"])
    assert list(content["history"].data[0].y) == [0.3, answer()["customer"]["risk"]["probability"]]


def test_an_unknown_customer_is_a_notice_not_an_error(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, _ = client_answering(
        {"data": None, "errors": [{"message": "no customer", "extensions": {"code": "NOT_FOUND"}}]}
    )

    content = load_customer(client, "NOPE")

    assert content["body_hidden"] is True and "No such customer" in text_of(content["alert"])


@pytest.mark.parametrize("customer_id", [None, "", "a/b", "x" * 65, "CUST 1", "<script>"])
def test_an_id_the_importer_would_refuse_is_never_sent(
    client_answering: Callable[..., Any], customer_id: str | None
) -> None:
    client, transport = client_answering()

    content = load_customer(client, customer_id)

    assert not valid_customer_id(customer_id) and transport.payloads == [] and content["body_hidden"] is True


def test_an_unscored_customer_says_what_to_do(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, _ = client_answering({"data": answer(scored=False, change=False)})

    content = load_customer(client, "CUST0007")

    assert "retention score" in text_of(content["alert"])
    assert "Only one score" in text_of(content["change"])


def test_the_history_marks_each_model_change_once() -> None:
    points = [Point("2026-01-03", 0.2, "v2"), Point("2026-01-01", 0.1, "v1"), Point("2026-01-02", 0.3, "v1")]

    assert [p.scored_at for p in model_changes(points)] == ["2026-01-03"]
