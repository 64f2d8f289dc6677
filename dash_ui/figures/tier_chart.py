"""Customers per risk tier: one bar per tier, HIGH first, in the tier's colour."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from dash_ui.figures.style import TIER_COLORS, TIER_LABELS, TIER_ORDER, empty_figure, styled


def risk_tier_figure(
    counts: Mapping[str, int], monthly_charges: Mapping[str, float] | None = None
) -> go.Figure:
    """Bars of customer counts per tier (HIGH, MEDIUM, LOW); a tier missing from `counts` shows as 0."""
    values = [counts.get(tier, 0) for tier in TIER_ORDER]
    if not any(values):
        return empty_figure("No scored customers yet")
    charges = monthly_charges or {}
    bar = go.Bar(
        x=[TIER_LABELS[tier] for tier in TIER_ORDER],
        y=values,
        marker_color=[TIER_COLORS[tier] for tier in TIER_ORDER],
        customdata=[charges.get(tier, 0.0) for tier in TIER_ORDER],
        text=[f"{value:,}" for value in values],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x} risk: %{y:,} customers<br>%{customdata:$,.0f} a month<extra></extra>",
    )
    figure = go.Figure(bar)
    figure.update_yaxes(title_text="Customers", rangemode="tozero")
    return styled(figure)
