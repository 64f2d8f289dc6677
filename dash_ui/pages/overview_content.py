"""What the overview page shows, from one GraphQL answer: every section's content, keyed by output."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import OVERVIEW_PAGE
from dash_ui.components.alerts import error_alert, notice_alert
from dash_ui.components.risk_table import RiskRow, risk_table
from dash_ui.figures.distribution_charts import retention_curve_figure, risk_distribution_figure
from dash_ui.figures.segment_chart import SegmentBar, churn_rate_figure
from dash_ui.figures.style import empty_figure
from dash_ui.figures.tier_chart import risk_tier_figure
from dash_ui.formatting import MISSING, format_count, format_money, format_percent, share

TOP_RISK_COUNT = 10
DISTRIBUTION_BINS = 20
NO_CUSTOMERS_HINT = (
    "Load customers with `retention seed` (or import your CSV), "
    "then run `retention train` and `retention score`."
)
NO_SCORES_HINT = "Run `retention train` then `retention score`, then refresh this page."
KPI_KEYS: tuple[str, ...] = tuple(
    f"{kpi}{suffix}"
    for kpi in ("customers", "churn_rate", "high_risk", "revenue_at_risk", "health", "active")
    for suffix in ("", "_detail")
)

Content = dict[str, Any]
JsonObject = dict[str, Any]


def load_overview(client: GraphQLClient) -> Content:
    """Send the page's one document; an API error becomes an alert in place of the sections."""
    variables = {"topRiskCount": TOP_RISK_COUNT, "bins": DISTRIBUTION_BINS}
    try:
        data = client.execute(OVERVIEW_PAGE, variables)
    except ApiError as error:
        return error_content(error)
    return overview_content(data)


def overview_content(data: JsonObject) -> Content:
    """Every section's content from the OverviewPage answer."""
    overview = data["overview"]
    scored = is_scored(overview)
    tiers = overview["tiers"]
    return {
        "alert": _status_alert(overview, scored),
        "body_hidden": False,
        "risk_hidden": not scored,
        "meta": _meta(overview) if scored else "Not scored yet",
        **_kpis(overview, scored),
        "tier_figure": risk_tier_figure(
            {tier["tier"]: tier["count"] for tier in tiers},
            {tier["tier"]: tier["monthlyCharges"] for tier in tiers},
        ),
        "distribution_figure": risk_distribution_figure(
            [(b["lower"], b["upper"], b["customers"]) for b in data["riskDistribution"]]
        ),
        "plan_figure": churn_rate_figure([SegmentBar.of(s) for s in data["churnBySegment"]]),
        "retention_figure": retention_curve_figure(
            [(p["tenureMonth"], p["retained"], p["atRisk"]) for p in data["retentionCurve"]]
        ),
        "top_risk_table": risk_table([_risk_row(edge["node"]) for edge in data["customers"]["edges"]]),
    }


def error_content(error: ApiError) -> Content:
    """The page when the API failed: the alert, and every section emptied and hidden."""
    return {
        "alert": error_alert(error),
        "body_hidden": True,
        "risk_hidden": True,
        "meta": "",
        **dict.fromkeys(KPI_KEYS, MISSING),
        "tier_figure": empty_figure(""),
        "distribution_figure": empty_figure(""),
        "plan_figure": empty_figure(""),
        "retention_figure": empty_figure(""),
        "top_risk_table": None,
    }


def is_scored(overview: JsonObject) -> bool:
    """True once a model version has scored at least one customer."""
    return bool(overview["scoredCount"]) and overview["modelVersion"] is not None


def _status_alert(overview: JsonObject, scored: bool) -> dbc.Alert | None:
    if overview["customerCount"] == 0:
        return notice_alert("No customers yet", NO_CUSTOMERS_HINT)
    if not scored:
        return notice_alert("No scores yet", NO_SCORES_HINT)
    return None


def _meta(overview: JsonObject) -> str:
    scored, customers = format_count(overview["scoredCount"]), format_count(overview["customerCount"])
    return f"Model {overview['modelVersion']} · {scored} of {customers} customers scored"


def _kpis(overview: JsonObject, scored: bool) -> Content:
    customers, high_risk = overview["customerCount"], overview["highRiskCount"]
    revenue, at_risk = overview["monthlyRevenue"], overview["monthlyRevenueAtRisk"]
    kpis: Content = {
        "customers": format_count(customers),
        "customers_detail": f"{format_count(overview['scoredCount'])} scored",
        "churn_rate": format_percent(overview["churnRate"]),
        "churn_rate_detail": (
            f"{format_count(overview['churnedCount'])} of {format_count(overview['labelledCount'])} "
            "labelled customers churned"
        ),
        "health": MISSING
        if overview["averageHealthScore"] is None
        else f"{overview['averageHealthScore']:.1f}",
        "health_detail": "mean of the imported health scores (0-100)",
        "active": format_count(overview["activeCount"]),
        "active_detail": (
            f"{format_percent(share(overview['activeCount'], customers))} of customers, not labelled churned"
        ),
        "high_risk": MISSING,
        "high_risk_detail": "Not scored yet",
        "revenue_at_risk": MISSING,
        "revenue_at_risk_detail": f"of {format_money(revenue)} monthly revenue",
    }
    if scored:
        kpis["high_risk"] = format_count(high_risk)
        kpis["high_risk_detail"] = f"{format_percent(share(high_risk, customers))} of customers"
        kpis["revenue_at_risk"] = format_money(at_risk)
        kpis["revenue_at_risk_detail"] = (
            f"{format_percent(share(at_risk, revenue))} of {format_money(revenue)} monthly revenue"
        )
    return kpis


def _risk_row(node: JsonObject) -> RiskRow:
    risk = node.get("risk") or {}
    return RiskRow(
        customer_id=node["id"],
        name=node["name"],
        plan=node["subscriptionType"],
        monthly_charges=node["monthlyCharges"],
        expected_loss=node.get("expectedLoss"),
        score=risk.get("score"),
        tier=risk.get("tier"),
    )
