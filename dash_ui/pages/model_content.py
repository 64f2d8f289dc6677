"""What the model page shows, from one GraphQL answer: the served version against its baseline."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import MODEL_PAGE
from dash_ui.components.alerts import error_alert, notice_alert
from dash_ui.figures.model_charts import pr_figure, reliability_figure, roc_figure
from dash_ui.figures.style import empty_figure
from dash_ui.formatting import MISSING, format_count, format_percent

NO_MODEL_HINT = "Train one with `retention train` (it becomes active when none is), then refresh."
# (key in metrics, title, higher is better, how it reads, what it means)
METRICS: tuple[tuple[str, str, bool, str, str], ...] = (
    ("rocAuc", "ROC AUC", True, "{:.3f}", "How well the model ranks churners above stayers (0.5: chance)."),
    ("prAuc", "PR AUC", True, "{:.3f}", "Average precision over every recall: rewards finding churners."),
    ("brier", "Brier score", False, "{:.4f}", "Mean squared error of the probabilities (lower is better)."),
    (
        "topDecileLift",
        "Top-decile lift",
        True,
        "{:.2f}×",
        "Churn rate among the riskiest tenth of customers over the overall churn rate.",
    ),
)

Content = dict[str, Any]
JsonObject = dict[str, Any]


def load_model(client: GraphQLClient) -> Content:
    """Send the page's one document; no model yet or an API error becomes an alert."""
    try:
        data = client.execute(MODEL_PAGE)
    except ApiError as error:
        if error.code == "MODEL_NOT_READY":
            return error_content(notice_alert("No model yet", NO_MODEL_HINT))
        return error_content(error_alert(error))
    return model_content(data)


def error_content(alert: dbc.Alert) -> Content:
    """Nothing to show but the alert."""
    return {
        "alert": alert,
        "body_hidden": True,
        "meta": "",
        "metrics": None,
        "roc": empty_figure(""),
        "pr": empty_figure(""),
        "reliability": empty_figure(""),
        "confusion": None,
        "parameters": None,
        "versions": None,
        "version_options": [],
    }


def model_content(data: JsonObject) -> Content:
    """Every section from the ModelPage answer."""
    model = data["model"]
    metrics, baseline = model["metrics"], model["baseline"]
    calibration = "calibrated (sigmoid)" if model["calibrated"] else "not calibrated"
    return {
        "alert": None,
        "body_hidden": False,
        "meta": (
            f"Version {model['version']} · trained {model['createdAt'][:16]} UTC on "
            f"{format_count(model['trainingRows'])} customers, evaluated on "
            f"{format_count(model['testRows'])} held out · {calibration}"
        ),
        "metrics": metrics_table(metrics, baseline),
        "roc": roc_figure(_points(metrics["rocCurve"]), _points(baseline["rocCurve"]) if baseline else None),
        "pr": pr_figure(
            _points(metrics["prCurve"]),
            _points(baseline["prCurve"]) if baseline else None,
            metrics["positiveRate"],
        ),
        "reliability": reliability_figure(
            [
                (b["meanPredicted"] or 0.0, b["observedRate"] or 0.0, b["customers"])
                for b in metrics["reliability"]
            ]
        ),
        "confusion": confusion_tables(metrics["confusion"], metrics["rows"]),
        "parameters": parameters_list(model["parameters"], model["searchMethod"], model["trainingSeconds"]),
        "versions": versions_table(data["models"]),
        "version_options": [
            {"label": m["version"] + (" (active)" if m["active"] else ""), "value": m["version"]}
            for m in data["models"]
            if m["recorded"] and not m["problem"]
        ],
    }


def _points(curve: list[JsonObject]) -> list[tuple[float, float]]:
    return [(point["x"], point["y"]) for point in curve]


def metrics_table(metrics: JsonObject, baseline: JsonObject | None) -> dbc.Table:
    """The forest against the logistic baseline on the same held-out customers."""
    rows = []
    for key, title, higher_better, shape, meaning in METRICS:
        ours, theirs = metrics[key], (baseline or {}).get(key)
        better = theirs is None or (ours >= theirs if higher_better else ours <= theirs)
        rows.append(
            html.Tr(
                [
                    html.Th(html.Abbr(title, title=meaning), scope="row", className="fw-normal"),
                    html.Td(
                        shape.format(ours),
                        className="text-end fw-semibold" + ("" if better else " text-danger"),
                    ),
                    html.Td(MISSING if theirs is None else shape.format(theirs), className="text-end"),
                ]
            )
        )
    header = html.Thead(
        html.Tr(
            [
                html.Th("Held-out metric"),
                html.Th("Forest", className="text-end"),
                html.Th("Baseline", className="text-end"),
            ]
        )
    )
    return dbc.Table([header, html.Tbody(rows)], size="sm", className="mb-0")


def confusion_tables(cells: list[JsonObject], rows: int) -> html.Div:
    """At each tier threshold: who the model flags against who churned, with precision and recall."""
    tables: list[html.Div | html.P] = []
    for cell in cells:
        body = html.Tbody(
            [
                html.Tr(
                    [
                        html.Th("Flagged", scope="row", className="fw-normal"),
                        html.Td(format_count(cell["truePositives"]), className="text-end"),
                        html.Td(format_count(cell["falsePositives"]), className="text-end"),
                    ]
                ),
                html.Tr(
                    [
                        html.Th("Not flagged", scope="row", className="fw-normal"),
                        html.Td(format_count(cell["falseNegatives"]), className="text-end"),
                        html.Td(format_count(cell["trueNegatives"]), className="text-end"),
                    ]
                ),
            ]
        )
        header = html.Thead(
            html.Tr(
                [
                    html.Th(""),
                    html.Th("Churned", className="text-end"),
                    html.Th("Stayed", className="text-end"),
                ]
            )
        )
        caption = (
            f"{cell['tier'].title()} tier and above (probability ≥ {format_percent(cell['threshold'], 0)}): "
            f"precision {format_percent(cell['precision'])}, recall {format_percent(cell['recall'])}"
        )
        tables.append(
            html.Div(
                [
                    html.Div(caption, className="small fw-semibold mb-1"),
                    dbc.Table([header, body], size="sm", bordered=True),
                ],
                className="confusion",
                **{"data-tier": cell["tier"]},
            )
        )
    tables.append(
        html.P(f"Of {format_count(rows)} held-out customers.", className="small text-body-secondary mb-0")
    )
    return html.Div(tables)


def parameters_list(parameters: list[JsonObject], method: str, seconds: float) -> html.Div:
    """What the search chose, and how."""
    items = [html.Li([html.Code(p["name"]), f" = {p['value']}"]) for p in parameters]
    return html.Div(
        [
            html.Ul(items, className="mb-2"),
            html.P(
                f"Chosen by {method} on the training rows in {seconds:,.0f} s.",
                className="small text-body-secondary mb-0",
            ),
        ]
    )


def versions_table(models: list[JsonObject]) -> dbc.Table | html.P:
    """Every version in the model folder, the active one marked."""
    if not models:
        return html.P("No versions yet.", className="text-body-secondary mb-0")
    rows = []
    for entry in models:
        details = entry["details"] or {}
        state = "active" if entry["active"] else ("unreadable" if entry["problem"] else "")
        rows.append(
            html.Tr(
                [
                    html.Td(html.Code(entry["version"])),
                    html.Td(dbc.Badge(state, color="success") if entry["active"] else state),
                    html.Td((details.get("createdAt") or MISSING)[:16]),
                    html.Td(format_count(details.get("trainingRows")), className="text-end"),
                    html.Td(
                        MISSING if details.get("rocAuc") is None else f"{details['rocAuc']:.3f}",
                        className="text-end",
                    ),
                    html.Td(
                        MISSING if details.get("brier") is None else f"{details['brier']:.4f}",
                        className="text-end",
                    ),
                ],
                **{"data-version": entry["version"]},
            )
        )
    header = html.Thead(
        html.Tr(
            [
                html.Th("Version"),
                html.Th(""),
                html.Th("Trained (UTC)"),
                html.Th("Training rows", className="text-end"),
                html.Th("ROC AUC", className="text-end"),
                html.Th("Brier", className="text-end"),
            ]
        )
    )
    return dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="mb-0")
