"""The spread of predicted risk, and the share of customers retained by tenure month (Kaplan-Meier)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dash_ui.figures.style import BAR_COLOR, empty_figure, styled


def risk_distribution_figure(bins: Sequence[tuple[float, float, int]]) -> go.Figure:
    """Customers per probability bin (lower, upper, customers), as a histogram."""
    if not any(count for _, _, count in bins):
        return empty_figure("No scored customers yet")
    bars = go.Bar(
        x=[(lower + upper) / 2 for lower, upper, _ in bins],
        y=[count for _, _, count in bins],
        width=[upper - lower for lower, upper, _ in bins],
        marker_color=BAR_COLOR,
        customdata=[[lower, upper] for lower, upper, _ in bins],
        hovertemplate="%{customdata[0]:.0%} to %{customdata[1]:.0%}: %{y:,} customers<extra></extra>",
    )
    figure = go.Figure(bars)
    figure.update_xaxes(title_text="Churn probability", tickformat=".0%", range=[0, 1])
    figure.update_yaxes(title_text="Customers", rangemode="tozero")
    figure.update_layout(bargap=0.05)
    return styled(figure)


def retention_curve_figure(points: Sequence[tuple[int, float, int]]) -> go.Figure:
    """Share still retained (tenure month, retained, at risk) as a Kaplan-Meier step curve."""
    if not points:
        return empty_figure("No labelled customers yet")
    line = go.Scatter(
        x=[month for month, _, _ in points],
        y=[retained for _, retained, _ in points],
        mode="lines",
        line={"shape": "hv", "color": BAR_COLOR},
        customdata=[at_risk for _, _, at_risk in points],
        hovertemplate="month %{x}: %{y:.1%} retained<br>%{customdata:,} customers still observed"
        "<extra></extra>",
    )
    figure = go.Figure(line)
    figure.update_xaxes(title_text="Tenure (months)", rangemode="tozero")
    figure.update_yaxes(title_text="Retained", tickformat=".0%", range=[0, 1.02])
    return styled(figure)
