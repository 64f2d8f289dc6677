"""What drives churn across all customers: horizontal bars, the most important driver on top."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dash_ui.figures.style import BAR_COLOR, empty_figure, styled


def churn_drivers_figure(drivers: Sequence[tuple[str, float]]) -> go.Figure:
    """Bars of (label, importance) pairs, sorted so the most important is the top bar."""
    if not drivers:
        return empty_figure("No churn drivers yet: train a model first")
    # Plotly draws the first category at the bottom, so the least important goes first.
    ascending = sorted(drivers, key=lambda driver: driver[1])
    bar = go.Bar(
        x=[importance for _, importance in ascending],
        y=[label for label, _ in ascending],
        orientation="h",
        marker_color=BAR_COLOR,
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    )
    figure = go.Figure(bar)
    figure.update_xaxes(title_text="Importance", rangemode="tozero")
    # A little air between the driver names and their bars.
    figure.update_yaxes(automargin=True, ticksuffix="  ")
    return styled(figure, height=max(240, 32 * len(drivers) + 60))
