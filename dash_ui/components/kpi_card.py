"""A headline number with its title and a one-line detail; the value and detail are callback targets."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dash_ui.components.icons import icon
from dash_ui.formatting import MISSING


def kpi_card(*, title: str, value_id: str, detail_id: str, icon_name: str, meaning: str = "") -> html.Div:
    """A card whose `value_id` and `detail_id` elements a page callback fills; `meaning` is its tooltip."""
    card = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [icon(icon_name), title],
                    className="kpi-title text-body-secondary",
                ),
                html.Div(MISSING, id=value_id, className="kpi-value"),
                html.Div(MISSING, id=detail_id, className="kpi-detail text-body-secondary small"),
            ]
        ),
        className="kpi-card h-100 shadow-sm",
    )
    # dbc.Card takes no title attribute: the tooltip sits on a wrapper the card fills.
    return html.Div(card, title=meaning, className="h-100")
