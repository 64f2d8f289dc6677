"""What the API load bench sends: every case in one list, with its target.

A case whose document does not validate against the served schema (a field another branch adds) is
reported as "skipped: not in schema", so the list can name the whole contract ahead of the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RISK = "query Risk($id: ID!) { riskScore(customerId: $id) { probability score tier } }"
PROFILE = "query WhatIf($profile: CustomerProfileInput!) { scoreProfile(profile: $profile) { probability } }"
ORDERS = ("SCORE", "EXPECTED_LOSS", "TENURE", "MONTHLY_CHARGES", "LAST_LOGIN", "NAME")
DIMENSIONS = (
    "SUBSCRIPTION_TYPE",
    "TENURE_BAND",
    "DISCOUNT",
    "USAGE_DROP",
    "PAYMENT_FAILURES",
    "UNRESOLVED_TICKETS",
)
PAGE = (
    "query Page($after: String) { customers(first: 100, after: $after, "
    "filter: {tier: TIER}, orderBy: {field: ORDER, direction: DESC}) { pageInfo { endCursor hasNextPage } "
    "edges { node { id risk { probability score tier } } } } }"
)
TOTAL = "{ customers(first: 1, filter: {tier: HIGH}) { totalCount } }"
ANALYTICS = {
    "overview": "{ overview { customerCount churnRate highRiskCount monthlyRevenueAtRisk } }",
    "riskDistribution": "{ riskDistribution(bins: 20) { lower upper customers } }",
    "retentionCurve": "{ retentionCurve { tenureMonth retained atRisk } }",
    **{
        f"churnBySegment({d})": f"{{ churnBySegment(dimension: {d}) {{ customers churned churnRate }} }}"
        for d in DIMENSIONS
    },
}


@dataclass(frozen=True)
class Case:
    """One wrk run: a body, a connection count, and what its figures must meet."""

    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    connections: int = 1
    p50_ms: float | None = None
    p99_ms: float | None = None
    big_only: bool = False  # only against a 1M MariaDB database
    deep_order: str | None = None  # walk to a deep page of this order first

    def body(self) -> dict[str, Any]:
        """The JSON body wrk posts (`@ID@` in it becomes a rotating customer id)."""
        return {"query": self.query, "variables": self.variables}


def cases(profile: dict[str, Any]) -> list[Case]:
    """Every case, in the order they run; `profile` is a stored customer's profile for scoreProfile."""
    listed = [
        Case("riskScore 1 conn", RISK, {"id": "@ID@"}, p99_ms=10.0),
        Case("scoreProfile 1 conn", PROFILE, {"profile": profile}, p50_ms=5.0),
        Case("riskScore 16 conn", RISK, {"id": "@ID@"}, connections=16, p99_ms=50.0),
    ]
    for order in ORDERS:
        # LOW holds most customers, so its page 5,001 exists; HIGH's last page is where a filter that the
        # order's index does not hold would scan the rest of the index.
        for tier in ("LOW", "HIGH"):
            page = PAGE.replace("ORDER", order).replace("TIER", tier)
            listed.append(Case(f"customers {order} {tier} page 1", page, p50_ms=20.0, big_only=True))
            name = f"customers {order} {tier} " + ("deep" if tier == "LOW" else "last")
            listed.append(Case(name, page, p50_ms=20.0, big_only=True, deep_order=order))
    listed.append(Case("totalCount", TOTAL, p50_ms=250.0, big_only=True))
    listed += [Case(name, query, p50_ms=300.0, big_only=True) for name, query in ANALYTICS.items()]
    return listed
