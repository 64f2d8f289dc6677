"""Why a customer's score is what it is: a waterfall from the model's base value to the probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from dash_ui.figures.style import TIER_COLORS, empty_figure, styled

# The most influential features get a bar each; the rest share one, so the chart stays readable.
SHOWN_DRIVERS = 8
RAISES, LOWERS = TIER_COLORS["HIGH"], TIER_COLORS["LOW"]


@dataclass(frozen=True)
class Step:
    """One feature's push on the probability, with the value it had."""

    label: str
    value: str
    contribution: float


def drivers_waterfall(base_value: float, steps: Sequence[Step], probability: float) -> go.Figure:
    """Base value, then each feature's contribution (largest first), ending at the probability."""
    if not steps:
        return empty_figure("Not scored yet")
    ranked = sorted(steps, key=lambda s: abs(s.contribution), reverse=True)
    shown, rest = ranked[:SHOWN_DRIVERS], ranked[SHOWN_DRIVERS:]
    labels = ["Base rate", *(f"{s.label} = {s.value}" for s in shown)]
    values = [base_value, *(s.contribution for s in shown)]
    measures = ["absolute", *("relative" for _ in shown)]
    if rest:
        labels.append(f"{len(rest)} other features")
        values.append(sum(s.contribution for s in rest))
        measures.append("relative")
    labels.append("Churn probability")
    values.append(probability)
    measures.append("total")
    bars = go.Waterfall(
        orientation="h",
        measure=measures,
        y=labels,
        x=values,
        increasing={"marker": {"color": RAISES}},
        decreasing={"marker": {"color": LOWERS}},
        totals={"marker": {"color": "#0d6efd"}},
        connector={"line": {"color": "#adb5bd", "width": 1}},
        text=[f"{v:.1%}" if m != "relative" else f"{v:+.1%}" for v, m in zip(values, measures, strict=True)],
        textposition="outside",
        cliponaxis=False,
        hoverinfo="y+text",
    )
    # Room on both sides for the labels outside the bars: the running total's extremes, and a margin.
    running, low, high = 0.0, 0.0, 0.0
    for value, measure in zip(values, measures, strict=True):
        running = value if measure != "relative" else running + value
        low, high = min(low, running), max(high, running)
    span = (high - low) or 1.0
    figure = go.Figure(bars)
    figure.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    figure.update_xaxes(tickformat=".0%", range=[low - 0.05 * span, high + 0.18 * span])
    return styled(figure, height=max(280, 30 * len(labels) + 60))
