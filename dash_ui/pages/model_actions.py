"""The model page's admin actions: train a new version (its progress followed), activate a version. The API
decides who may: a viewer's or an editor's request comes back FORBIDDEN and is shown as such."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dash_ui.api.client import ApiError, GraphQLClient
from dash_ui.api.documents import ACTIVATE_MODEL, JOB_STATE, TRAIN_MODEL
from dash_ui.components.alerts import error_alert
from dash_ui.formatting import format_count, format_percent

TREES = 200
DONE = ("SUCCEEDED", "FAILED")


def start_training(client: GraphQLClient) -> tuple[str | None, Any]:
    """(the training job's id, what to show); no id when the API refused."""
    try:
        job = client.execute(TRAIN_MODEL, {"trees": TREES})["trainModel"]
    except ApiError as error:
        return None, error_alert(error)
    return str(job["id"]), job_status(job)


def follow(client: GraphQLClient, job_id: str) -> tuple[bool, Any]:
    """(whether the job has ended, what to show)."""
    try:
        job = client.execute(JOB_STATE, {"id": job_id})["job"]
    except ApiError as error:
        return True, error_alert(error)
    return job["state"] in DONE, job_status(job)


def job_status(job: dict[str, Any]) -> html.Div:
    """A job's state and progress as a bar, with its outcome once it has one."""
    state, progress = job["state"], float(job.get("progress") or 0.0)
    color = {"SUCCEEDED": "success", "FAILED": "danger"}.get(state, "primary")
    parts: list[Any] = [
        html.Div(f"Training job {job['id']}: {state.lower()}", className="small mb-1 job-state"),
        dbc.Progress(
            value=progress * 100,
            label=format_percent(progress, 0),
            color=color,
            animated=state == "RUNNING",
            striped=state == "RUNNING",
            className="mb-1",
        ),
    ]
    result = job.get("result") or {}
    if state == "SUCCEEDED" and result:
        activated = "and made active; a rescore is queued" if result.get("activated") else "(not activated)"
        parts.append(
            html.Div(
                f"Version {result.get('version')} trained on "
                f"{format_count(result.get('trainingRows'))} customers {activated}. Refresh to see it.",
                className="small",
            )
        )
    if state == "FAILED":
        parts.append(html.Div(job.get("error") or "failed", className="small text-danger"))
    return html.Div(parts)


def activate(client: GraphQLClient, version: str | None) -> Any:
    """Serve `version` from now on; what to show."""
    if not version:
        return dbc.Alert("Pick a version to activate.", color="warning")
    try:
        job = client.execute(ACTIVATE_MODEL, {"version": version})["activateModel"]
    except ApiError as error:
        return error_alert(error)
    return dbc.Alert(
        f"Version {version} is served now; rescore job {job['id']} makes the stored scores follow.",
        color="success",
    )
