"""A customer's churn probability over time, with a mark where the model that scored it changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from dash_ui.figures.style import BAR_COLOR, empty_figure, styled


@dataclass(frozen=True)
class Point:
    """One snapshot: when, what probability, which model version."""

    scored_at: str
    probability: float
    model_version: str


def model_changes(points: Sequence[Point]) -> list[Point]:
    """The snapshots (oldest first) whose model version differs from the one before."""
    ordered = sorted(points, key=lambda p: p.scored_at)
    return [
        p for before, p in zip(ordered, ordered[1:], strict=False) if p.model_version != before.model_version
    ]


def risk_history_figure(points: Sequence[Point]) -> go.Figure:
    """Probability by scoring time, oldest left; dotted lines where the model version changed."""
    if not points:
        return empty_figure("No scores yet")
    ordered = sorted(points, key=lambda p: p.scored_at)
    line = go.Scatter(
        x=[p.scored_at for p in ordered],
        y=[p.probability for p in ordered],
        mode="lines+markers",
        line={"color": BAR_COLOR, "shape": "hv"},
        customdata=[p.model_version for p in ordered],
        hovertemplate="%{x}<br>%{y:.1%} by model %{customdata}<extra></extra>",
    )
    figure = go.Figure(line)
    for change in model_changes(ordered):
        figure.add_vline(x=change.scored_at, line_dash="dot", line_color="#6c757d")
        figure.add_annotation(
            x=change.scored_at,
            y=1,
            yref="paper",
            text=f"model {change.model_version}",
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": "#6c757d"},
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title_text="Churn probability")
    return styled(figure, height=260)
