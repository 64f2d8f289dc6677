"""The customers view as a URL holds it, and as GraphQL variables: every value through a whitelist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

TIERS = ("HIGH", "MEDIUM", "LOW")
# Grid column id -> the API's CustomerSortField; other columns cannot be sorted.
SORTABLE: dict[str, str] = {
    "probability": "SCORE",
    "expectedLoss": "EXPECTED_LOSS",
    "tenureMonths": "TENURE",
    "monthlyCharges": "MONTHLY_CHARGES",
    "lastLoginDays": "LAST_LOGIN",
    "name": "NAME",
}
MAX_SEARCH = 100


@dataclass(frozen=True)
class View:
    """Which customers the grid lists."""

    tier: str | None = None
    plan: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    search: str | None = None


def _score(raw: Any) -> int | None:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 100 else None


def _text(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()[:MAX_SEARCH]
    return text if text and text.isprintable() else None


def checked(**values: Any) -> View:
    """A view from untrusted values: anything outside the whitelist is dropped."""
    tier = values.get("tier")
    plan = _text(values.get("plan"))
    return View(
        tier=tier if tier in TIERS else None,
        plan=plan if plan and plan.isalnum() else None,
        min_score=_score(values.get("min_score")),
        max_score=_score(values.get("max_score")),
        search=_text(values.get("search")),
    )


def from_search(search: str | None) -> View:
    """The view a URL's query string (`?tier=HIGH&q=ada`) names."""
    params = parse_qs((search or "").lstrip("?"))
    first = {key: items[0] for key, items in params.items() if items}
    return checked(
        tier=first.get("tier"),
        plan=first.get("plan"),
        min_score=first.get("min"),
        max_score=first.get("max"),
        search=first.get("q"),
    )


def to_search(view: View) -> str:
    """The query string that names `view` (empty for every customer)."""
    pairs = {
        "tier": view.tier,
        "plan": view.plan,
        "min": view.min_score,
        "max": view.max_score,
        "q": view.search,
    }
    kept = {key: value for key, value in pairs.items() if value is not None}
    return f"?{urlencode(kept)}" if kept else ""


def graphql_filter(view: View) -> dict[str, Any] | None:
    """The CustomerFilter for `view`; None for every customer."""
    found = {
        "tier": view.tier,
        "subscriptionType": view.plan,
        "minScore": view.min_score,
        "maxScore": view.max_score,
        "search": view.search,
    }
    kept = {key: value for key, value in found.items() if value is not None}
    return kept or None


def graphql_order(sort_model: list[dict[str, Any]] | None) -> dict[str, str] | None:
    """The CustomerOrder for the grid's sort model (its first sortable column); None: highest risk first."""
    for entry in sort_model or []:
        field = SORTABLE.get(str(entry.get("colId")))
        if field is not None and entry.get("sort") in ("asc", "desc"):
            return {"field": field, "direction": str(entry["sort"]).upper()}
    return None


def as_dict(view: View) -> dict[str, Any]:
    """`view` as plain values (to carry in the grid's context)."""
    return asdict(view)


def with_values(view: View, **changes: Any) -> View:
    """`view` with some values replaced, checked again."""
    return checked(**asdict(replace(view, **changes)))
