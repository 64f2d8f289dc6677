"""Churn rate per segment with its 95% interval, the model's mean prediction beside it; a segment too small
to trust is greyed and said so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from dash_ui.figures.style import BAR_COLOR, empty_figure, styled

SMALL_COLOR = "#ced4da"
PREDICTED_COLOR = "#dc3545"


@dataclass(frozen=True)
class SegmentBar:
    """One segment as the chart draws it."""

    label: str
    customers: int
    churn_rate: float | None
    low: float | None
    high: float | None
    mean_probability: float | None
    too_small: bool

    @classmethod
    def of(cls, segment: dict[str, Any]) -> SegmentBar:
        """A bar from a GraphQL `Segment` (label customers churnRate churnRateLow churnRateHigh
        meanProbability tooSmall)."""
        return cls(
            label=segment["label"],
            customers=segment["customers"],
            churn_rate=segment["churnRate"],
            low=segment["churnRateLow"],
            high=segment["churnRateHigh"],
            mean_probability=segment["meanProbability"],
            too_small=segment["tooSmall"],
        )


def churn_rate_figure(segments: Sequence[SegmentBar]) -> go.Figure:
    """Observed churn rate bars with Wilson intervals, and mean predicted risk as diamonds."""
    shown = [s for s in segments if s.churn_rate is not None]
    if not shown:
        return empty_figure("No labelled customers in any segment")
    labels = [s.label for s in shown]
    rates = [s.churn_rate or 0.0 for s in shown]
    observed = go.Bar(
        x=labels,
        y=rates,
        name="Observed churn rate",
        marker_color=[SMALL_COLOR if s.too_small else BAR_COLOR for s in shown],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [(s.high or 0.0) - (s.churn_rate or 0.0) for s in shown],
            "arrayminus": [(s.churn_rate or 0.0) - (s.low or 0.0) for s in shown],
            "color": "#495057",
        },
        customdata=[[s.customers, "too few to trust" if s.too_small else ""] for s in shown],
        hovertemplate="%{x}: %{y:.1%} churned<br>%{customdata[0]:,} customers %{customdata[1]}"
        "<extra></extra>",
    )
    predicted = go.Scatter(
        x=labels,
        y=[s.mean_probability for s in shown],
        mode="markers",
        name="Mean predicted risk",
        marker={"symbol": "diamond", "size": 10, "color": PREDICTED_COLOR},
        hovertemplate="%{x}: %{y:.1%} predicted<extra></extra>",
    )
    figure = go.Figure([observed, predicted])
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title_text="Churn rate")
    styled(figure, height=320)
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.25, "x": 0})
    return figure
