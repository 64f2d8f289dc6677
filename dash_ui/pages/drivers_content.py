"""What the churn drivers page shows: the model's global drivers, churn by decile, churn by segment."""

from __future__ import annotations

from typing import Any

from dash import html

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import DRIVERS_DECILES, DRIVERS_PAGE, DRIVERS_SEGMENTS
from dash_ui.components.alerts import error_alert, notice_alert
from dash_ui.figures.drivers_chart import churn_drivers_figure
from dash_ui.figures.segment_chart import SegmentBar, churn_rate_figure
from dash_ui.figures.style import empty_figure

DRIVER_LIMIT = 15
DIMENSIONS: dict[str, str] = {
    "SUBSCRIPTION_TYPE": "Plan",
    "TENURE_BAND": "Tenure band",
    "DISCOUNT": "Discount applied",
    "USAGE_DROP": "Usage dropped",
    "PAYMENT_FAILURES": "Payment failures",
    "UNRESOLVED_TICKETS": "Unresolved tickets",
}
Content = dict[str, Any]
JsonObject = dict[str, Any]


def load_drivers(client: GraphQLClient) -> Content:
    """The global drivers and the numeric features a decile chart can cut."""
    try:
        data = client.execute(DRIVERS_PAGE, {"driverLimit": DRIVER_LIMIT})
    except ApiError as error:
        alert = (
            notice_alert("No model yet", "Train one with `retention train`, then refresh.")
            if error.code == "MODEL_NOT_READY"
            else error_alert(error)
        )
        return {"alert": alert, "drivers": empty_figure(""), "options": [], "feature": None}
    numeric = [f for f in data["features"] if f["modelInput"] and f["kind"] in ("INT", "FLOAT")]
    options = [{"label": f["label"], "value": f["name"]} for f in numeric]
    # Open on the most important numeric driver, where there is one.
    by_column = {f["column"]: f["name"] for f in numeric}
    ranked = [by_column[d["feature"]] for d in data["churnDrivers"] if d["feature"] in by_column]
    first = ranked[0] if ranked else (options[0]["value"] if options else None)
    return {
        "alert": None,
        "drivers": churn_drivers_figure([(d["label"], d["importance"]) for d in data["churnDrivers"]]),
        "options": options,
        "feature": first,
    }


def _bars(segments: list[JsonObject]) -> list[SegmentBar]:
    return [SegmentBar.of(s) for s in segments]


def _warning(segments: list[JsonObject]) -> html.P | None:
    small = [s["label"] for s in segments if s["tooSmall"]]
    if not small:
        return None
    return html.P(
        f"Too few labelled customers to trust (greyed): {', '.join(small)}.",
        className="small text-warning-emphasis mb-0 too-small-warning",
    )


def load_deciles(client: GraphQLClient, feature: str | None) -> Content:
    """Churn by the served model's training deciles of `feature`."""
    if not feature:
        return {"figure": empty_figure("Pick a feature"), "note": None}
    try:
        segments = client.execute(DRIVERS_DECILES, {"feature": feature})["churnByDecile"]
    except ApiError as error:
        return {"figure": empty_figure(""), "note": error_alert(error)}
    return {"figure": churn_rate_figure(_bars(segments)), "note": _warning(segments)}


def load_segments(client: GraphQLClient, dimension: str | None) -> Content:
    """Churn per segment of `dimension`, with intervals."""
    if dimension not in DIMENSIONS:
        return {"figure": empty_figure("Pick a dimension"), "note": None}
    try:
        segments = client.execute(DRIVERS_SEGMENTS, {"dimension": dimension})["churnBySegment"]
    except ApiError as error:
        return {"figure": empty_figure(""), "note": error_alert(error)}
    return {"figure": churn_rate_figure(_bars(segments)), "note": _warning(segments)}
