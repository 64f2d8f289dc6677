"""How far to trust the model: ROC and precision-recall curves against the baseline, and reliability."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dash_ui.figures.style import BAR_COLOR, styled

BASELINE_COLOR = "#6c757d"
Curve = Sequence[tuple[float, float]]


def _curve(name: str, points: Curve, color: str, dash: str | None = None) -> go.Scatter:
    return go.Scatter(
        x=[x for x, _ in points],
        y=[y for _, y in points],
        mode="lines",
        name=name,
        line={"color": color, "dash": dash},
        hovertemplate=f"{name}<br>%{{x:.2f}}, %{{y:.2f}}<extra></extra>",
    )


def roc_figure(model: Curve, baseline: Curve | None) -> go.Figure:
    """True positive rate against false positive rate, the chance diagonal dotted."""
    traces = [_curve("Forest", model, BAR_COLOR)]
    if baseline:
        traces.append(_curve("Logistic baseline", baseline, BASELINE_COLOR, "dash"))
    traces.append(_curve("Chance", [(0.0, 0.0), (1.0, 1.0)], "#ced4da", "dot"))
    figure = go.Figure(traces)
    figure.update_xaxes(title_text="False positive rate", range=[0, 1])
    figure.update_yaxes(title_text="True positive rate", range=[0, 1.02])
    return _with_legend(styled(figure, height=300))


def pr_figure(model: Curve, baseline: Curve | None, positive_rate: float) -> go.Figure:
    """Precision against recall; the churn rate (a random ranking's precision) dotted."""
    traces = [_curve("Forest", model, BAR_COLOR)]
    if baseline:
        traces.append(_curve("Logistic baseline", baseline, BASELINE_COLOR, "dash"))
    traces.append(_curve("Churn rate", [(0.0, positive_rate), (1.0, positive_rate)], "#ced4da", "dot"))
    figure = go.Figure(traces)
    figure.update_xaxes(title_text="Recall", range=[0, 1])
    figure.update_yaxes(title_text="Precision", range=[0, 1.02])
    return _with_legend(styled(figure, height=300))


def reliability_figure(bins: Sequence[tuple[float, float, int]]) -> go.Figure:
    """Observed churn rate against mean predicted probability per bin; on the diagonal when calibrated."""
    filled = [(predicted, observed, count) for predicted, observed, count in bins if count]
    points = go.Scatter(
        x=[p for p, _, _ in filled],
        y=[o for _, o, _ in filled],
        mode="lines+markers",
        name="Held-out customers",
        marker={"size": [max(6, min(18, count**0.5 / 2)) for _, _, count in filled], "color": BAR_COLOR},
        customdata=[count for _, _, count in filled],
        hovertemplate="predicted %{x:.1%}, observed %{y:.1%}<br>%{customdata:,} customers<extra></extra>",
    )
    diagonal = _curve("Perfect calibration", [(0.0, 0.0), (1.0, 1.0)], "#ced4da", "dot")
    figure = go.Figure([points, diagonal])
    figure.update_xaxes(title_text="Mean predicted probability", range=[0, 1], tickformat=".0%")
    figure.update_yaxes(title_text="Observed churn rate", range=[0, 1.02], tickformat=".0%")
    return _with_legend(styled(figure, height=300))


def _with_legend(figure: go.Figure) -> go.Figure:
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.25, "x": 0})
    return figure
