"""The churn drivers page: global drivers, deciles of the chosen feature, segments with intervals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dash_ui.api.documents import DRIVERS_DECILES, DRIVERS_SEGMENTS
from dash_ui.pages.drivers_content import load_deciles, load_drivers, load_segments

FEATURES = [
    {"name": "tenureMonths", "column": "tenure_months", "label": "Tenure", "kind": "INT", "modelInput": True},
    {
        "name": "lastLoginDays",
        "column": "last_login_days",
        "label": "Days since last login",
        "kind": "INT",
        "modelInput": True,
    },
    {
        "name": "subscriptionType",
        "column": "subscription_type",
        "label": "Plan",
        "kind": "CATEGORY",
        "modelInput": True,
    },
    {"name": "churn", "column": "churn", "label": "Churned", "kind": "FLAG", "modelInput": False},
]
DRIVERS = [
    {"feature": "last_login_days", "label": "Days since last login", "importance": 0.3},
    {"feature": "tenure_months", "label": "Tenure", "importance": 0.1},
]


def _segment(label: str, customers: int, rate: float | None, small: bool) -> dict[str, Any]:
    return {
        "label": label,
        "customers": customers,
        "labelled": customers,
        "churned": 0,
        "churnRate": rate,
        "churnRateLow": None if rate is None else rate - 0.05,
        "churnRateHigh": None if rate is None else rate + 0.05,
        "meanProbability": rate,
        "tooSmall": small,
    }


def test_the_page_offers_the_numeric_features_and_opens_on_the_top_driver(
    client_answering: Callable[..., Any],
) -> None:
    client, _ = client_answering({"data": {"churnDrivers": DRIVERS, "features": FEATURES}})

    found = load_drivers(client)

    assert [o["value"] for o in found["options"]] == ["tenureMonths", "lastLoginDays"]
    assert found["feature"] == "lastLoginDays"
    assert found["drivers"].data[0].y[-1] == "Days since last login"


def test_segments_show_intervals_and_name_the_ones_too_small_to_trust(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    segments = [
        _segment("Basic", 500, 0.2, False),
        _segment("Premium", 12, 0.5, True),
        _segment("Empty", 0, None, False),
    ]
    client, transport = client_answering({"data": {"churnBySegment": segments}})

    found = load_segments(client, "SUBSCRIPTION_TYPE")

    assert transport.payloads[0]["query"] == DRIVERS_SEGMENTS
    bars = found["figure"].data[0]
    assert list(bars.x) == ["Basic", "Premium"] and list(bars.error_y.array) == pytest.approx([0.05, 0.05])
    assert bars.marker.color[1] != bars.marker.color[0]
    assert "Premium" in text_of(found["note"]) and "Basic" not in text_of(found["note"])


def test_deciles_are_asked_for_the_chosen_feature_and_a_refusal_is_shown(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    refusal = {"message": "feature: 'x' has no deciles", "extensions": {"code": "BAD_USER_INPUT"}}
    client, transport = client_answering({"data": None, "errors": [refusal]})

    found = load_deciles(client, "tenureMonths")

    assert transport.payloads[0] == {"query": DRIVERS_DECILES, "variables": {"feature": "tenureMonths"}}
    assert "no deciles" in text_of(found["note"])


def test_an_unknown_dimension_is_never_sent(client_answering: Callable[..., Any]) -> None:
    client, transport = client_answering()

    load_segments(client, "DROP TABLE")

    assert transport.payloads == []
