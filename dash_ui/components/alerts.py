"""What a page shows instead of data: the API's error, or a hint about the next step to take."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from dash_ui.api.client import ApiError

_HINTS: dict[str, str] = {
    "UNAVAILABLE": "Check that the Retention server is running, then refresh.",
    "MODEL_NOT_READY": "No model is active yet: run `retention train` then `retention score`.",
    "UNAUTHENTICATED": "Sign in again, then refresh.",
    "FORBIDDEN": "Your account is not allowed to see this page.",
}


def error_alert(error: ApiError) -> dbc.Alert:
    """The API's message and code, with what to do next when the code says."""
    hint = _HINTS.get(error.code, "Try again; if it keeps failing, the server log has the details.")
    return dbc.Alert(
        [
            html.H5("The data could not be loaded", className="alert-heading"),
            html.P(f"{error.message} ({error.code})", className="mb-1"),
            html.P(with_code(hint), className="mb-0"),
        ],
        color="danger",
    )


def notice_alert(heading: str, text: str) -> dbc.Alert:
    """A next-step hint; text between backticks reads as a command."""
    return dbc.Alert(
        [html.H5(heading, className="alert-heading"), html.P(with_code(text), className="mb-0")],
        color="warning",
    )


def with_code(text: str) -> list[str | Component]:
    """Split "run `retention train`" so every backticked part renders as <code>."""
    parts = text.split("`")
    return [html.Code(part) if index % 2 else part for index, part in enumerate(parts) if part]
