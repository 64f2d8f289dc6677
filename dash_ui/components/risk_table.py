"""The customers most at risk, as a compact table with a coloured tier badge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_ui.formatting import MISSING, format_money

TIER_BADGE_COLORS: dict[str, str] = {"HIGH": "danger", "MEDIUM": "warning", "LOW": "success"}
# (header, class): numbers align right, header and cells alike, so digits line up under their title.
# The plan is the column a tablet can spare (it is on the customer's page): the rest fit 768 px unscrolled.
NARROW_HIDDEN = "d-none d-lg-table-cell"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Customer", ""),
    ("Name", ""),
    ("Plan", NARROW_HIDDEN),
    ("Monthly charges", "text-end"),
    ("Expected loss", "text-end"),
    ("Score", "text-end"),
    ("Tier", ""),
)


@dataclass(frozen=True)
class RiskRow:
    """One customer as the table shows it; expected loss, score and tier are None until it is scored."""

    customer_id: str
    name: str
    plan: str
    monthly_charges: float
    expected_loss: float | None  # probability × monthly charges: the monthly revenue at stake
    score: int | None
    tier: str | None


def customer_href(customer_id: str) -> str:
    """The prefix-aware link to a customer's page."""
    path = f"/customers/{quote(customer_id, safe='')}"
    return str(dash.get_relative_path(path))  # type: ignore[no-untyped-call]  # dash ships it unannotated


def tier_badge(tier: str | None) -> dbc.Badge | str:
    """HIGH / MEDIUM / LOW as a badge in the tier's colour."""
    if tier is None:
        return MISSING
    text_color = "dark" if tier == "MEDIUM" else None
    return dbc.Badge(
        tier.title(),
        color=TIER_BADGE_COLORS.get(tier, "secondary"),
        text_color=text_color,
        className="tier-badge",
    )


def risk_table(rows: Sequence[RiskRow]) -> dbc.Table | html.P:
    """A table of `rows` in the given order, or a sentence when there are none."""
    if not rows:
        return html.P("No customers yet.", className="text-body-secondary mb-0")
    header = html.Thead(html.Tr([html.Th(title, scope="col", className=align) for title, align in COLUMNS]))
    body = html.Tbody([_row(row) for row in rows])
    return dbc.Table([header, body], hover=True, responsive=True, size="sm", className="risk-table mb-0")


def _data_attributes(**values: str) -> dict[str, Any]:
    # data-* lets a browser test find a customer's row without depending on column order.
    return {f"data-{name.replace('_', '-')}": value for name, value in values.items()}


def _row(row: RiskRow) -> html.Tr:
    return html.Tr(
        [
            html.Td(dcc.Link(html.Code(row.customer_id), href=customer_href(row.customer_id))),
            html.Td(row.name),
            html.Td(row.plan, className=NARROW_HIDDEN),
            html.Td(format_money(row.monthly_charges, digits=2), className="text-end"),
            html.Td(
                MISSING if row.expected_loss is None else format_money(row.expected_loss, digits=2),
                className="text-end",
            ),
            html.Td(MISSING if row.score is None else str(row.score), className="text-end"),
            html.Td(tier_badge(row.tier)),
        ],
        **_data_attributes(customer_id=row.customer_id),
    )
