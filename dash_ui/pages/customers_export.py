"""The customers of a view as CSV, streamed from the server page by page (never what the browser loaded)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import CUSTOMERS_BLOCK
from dash_ui.pages.customers_rows import PAGE
from dash_ui.pages.customers_view import View, graphql_filter

HEADER = (
    "customer_id",
    "name",
    "email",
    "subscription_type",
    "tenure_months",
    "monthly_charges",
    "last_login_days",
    "churn_probability",
    "risk_tier",
    "expected_monthly_loss",
)
# A spreadsheet runs a cell that starts with one of these as a formula: such text is quoted as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _line(values: tuple[Any, ...]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_safe(v) for v in values])
    return out.getvalue()


def csv_lines(client: GraphQLClient, view: View) -> Iterator[str]:
    """The header, then one line per customer of `view`, highest risk first; an API failure ends the file
    with a line saying so (a download cannot change its status once streaming)."""
    yield _line(HEADER)
    after: str | None = None
    while True:
        variables = {
            "first": PAGE,
            "after": after,
            "filter": graphql_filter(view),
            "orderBy": None,
            "withTotal": False,
        }
        try:
            found = client.execute(CUSTOMERS_BLOCK, variables)["customers"]
        except ApiError as error:
            yield _line((f"# export stopped: {error.code}: {error.message}",))
            return
        for edge in found["edges"]:
            node = edge["node"]
            risk = node.get("risk") or {}
            probability = risk.get("probability")
            yield _line(
                (
                    node["id"],
                    node["name"],
                    node["email"],
                    node["subscriptionType"],
                    node["tenureMonths"],
                    node["monthlyCharges"],
                    node["lastLoginDays"],
                    "" if probability is None else repr(probability),
                    risk.get("tier") or "",
                    "" if node.get("expectedLoss") is None else repr(node["expectedLoss"]),
                )
            )
        if not found["pageInfo"]["hasNextPage"]:
            return
        after = found["pageInfo"]["endCursor"]
