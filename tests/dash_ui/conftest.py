"""Fakes shared by the dashboard tests: a transport answering canned GraphQL, and canned answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dash.development.base_component import Component

from dash_ui.api.client import GraphQLClient

JsonObject = dict[str, Any]


class FakeTransport:
    """Answers each post with the next canned answer, and remembers what was posted."""

    def __init__(self, *answers: JsonObject) -> None:
        self.answers = list(answers)
        self.payloads: list[JsonObject] = []

    def post(self, payload: JsonObject) -> JsonObject:
        self.payloads.append(payload)
        return self.answers.pop(0)


def _customer(number: int, score: int | None, tier: str | None) -> JsonObject:
    risk = None if score is None else {"score": score, "tier": tier, "probability": score / 100}
    return {
        "cursor": f"c{number}",
        "node": {
            "id": f"CUST{number:04d}",
            "name": f"Customer {number}",
            "subscriptionType": "Premium",
            "monthlyCharges": 79.5,
            "expectedLoss": None if score is None else score / 100 * 79.5,
            "risk": risk,
        },
    }


def overview_answer(*, scored: bool = True, customer_count: int = 12_345) -> JsonObject:
    """An OverviewPage answer: 12,345 customers, 1,234 at high risk, $25,000 of $250,000 at risk."""
    return {
        "overview": {
            "customerCount": customer_count,
            "activeCount": customer_count - 2_469,
            "churnedCount": 2_469,
            "labelledCount": customer_count,
            "averageHealthScore": 61.25,
            "churnRate": 0.2,
            "scoredCount": customer_count if scored else 0,
            "highRiskCount": 1_234 if scored else 0,
            "monthlyRevenue": 250_000.0,
            "monthlyRevenueAtRisk": 25_000.0 if scored else 0.0,
            "modelVersion": "v3" if scored else None,
            "tiers": [
                {"tier": "HIGH", "count": 1_234 if scored else 0, "monthlyCharges": 98_000.0},
                {"tier": "MEDIUM", "count": 3_000 if scored else 0, "monthlyCharges": 80_000.0},
                {"tier": "LOW", "count": 8_111 if scored else 0, "monthlyCharges": 72_000.0},
            ],
        },
        "churnDrivers": [
            {"feature": "last_login_days", "label": "Days since last login", "importance": 0.31},
            {"feature": "payment_failures", "label": "Payment failures", "importance": 0.22},
            {"feature": "tenure_months", "label": "Tenure", "importance": 0.11},
        ]
        if scored
        else [],
        "riskDistribution": [
            {"lower": i / 20, "upper": (i + 1) / 20, "customers": (100 if scored else 0)} for i in range(20)
        ],
        "churnBySegment": [
            {
                "label": "Basic",
                "customers": 6_000,
                "labelled": 6_000,
                "churned": 1_500,
                "churnRate": 0.25,
                "churnRateLow": 0.24,
                "churnRateHigh": 0.26,
                "meanProbability": 0.24 if scored else None,
                "tooSmall": False,
            },
            {
                "label": "Premium",
                "customers": 20,
                "labelled": 20,
                "churned": 2,
                "churnRate": 0.1,
                "churnRateLow": 0.03,
                "churnRateHigh": 0.3,
                "meanProbability": 0.12 if scored else None,
                "tooSmall": True,
            },
        ],
        "retentionCurve": [
            {"tenureMonth": 1, "retained": 0.98, "atRisk": 12_000},
            {"tenureMonth": 12, "retained": 0.8, "atRisk": 6_000},
        ],
        "customers": {
            "totalCount": customer_count,
            "edges": [_customer(1, 97, "HIGH"), _customer(2, 64, "MEDIUM")]
            if scored
            else [_customer(1, None, None)],
        },
    }


@pytest.fixture
def client_answering() -> Callable[..., tuple[GraphQLClient, FakeTransport]]:
    """Build a GraphQLClient over a FakeTransport that gives these answers, in order."""

    def build(*answers: JsonObject) -> tuple[GraphQLClient, FakeTransport]:
        transport = FakeTransport(*answers)
        return GraphQLClient(transport), transport

    return build


@pytest.fixture
def overview_data() -> Callable[..., JsonObject]:
    """Build an OverviewPage answer: `scored`, `customer_count`."""
    return overview_answer


@pytest.fixture
def scored_data() -> JsonObject:
    return overview_answer()


@pytest.fixture
def unscored_data() -> JsonObject:
    return overview_answer(scored=False)


@pytest.fixture
def text_of() -> Callable[[Any], str]:
    """All the text a component tree shows, joined by spaces."""

    def text(node: Any) -> str:
        if node is None:
            return ""
        if isinstance(node, str | int | float):
            return str(node)
        if isinstance(node, list | tuple):
            return " ".join(filter(None, (text(child) for child in node)))
        if isinstance(node, Component):
            return text(getattr(node, "children", None))
        return ""

    return text


@pytest.fixture(autouse=True, scope="session")
def dashboard_paths() -> None:
    """Build the dashboard once, so prefix-aware links (dash.get_relative_path) know its prefix."""
    from dash_ui.app import create_dash_app

    create_dash_app(GraphQLClient(FakeTransport()))
