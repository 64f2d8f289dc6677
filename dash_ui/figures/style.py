"""What every chart shares: tier colours (Bootstrap's, to match the badges), margins, the empty state."""

from __future__ import annotations

import plotly.graph_objects as go

TIER_ORDER: tuple[str, ...] = ("HIGH", "MEDIUM", "LOW")
TIER_LABELS: dict[str, str] = {"HIGH": "High", "MEDIUM": "Medium", "LOW": "Low"}
# Bootstrap 5.3 danger / warning / success, so a bar and a tier badge are the same colour.
TIER_COLORS: dict[str, str] = {"HIGH": "#dc3545", "MEDIUM": "#ffc107", "LOW": "#198754"}
BAR_COLOR = "#0d6efd"


def styled(figure: go.Figure, *, height: int = 320) -> go.Figure:
    """Apply the dashboard's chart look."""
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
        showlegend=False,
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        hoverlabel={"font_size": 13},
    )
    return figure


def empty_figure(message: str, *, height: int = 320) -> go.Figure:
    """A blank chart that says why it is blank, instead of empty axes."""
    figure = go.Figure()
    figure.add_annotation(
        text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"color": "#6c757d"}
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return styled(figure, height=height)
