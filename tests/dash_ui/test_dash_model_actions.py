"""The model page's admin actions: training followed to its end, activation, and the API's refusals shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_ui.api.documents import ACTIVATE_MODEL, JOB_STATE, TRAIN_MODEL
from dash_ui.pages.model_actions import activate, follow, start_training

FORBIDDEN = {
    "data": None,
    "errors": [
        {"message": "this needs an API key with the admin scope", "extensions": {"code": "FORBIDDEN"}}
    ],
}


def test_training_is_started_then_followed_until_it_succeeds(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    running = {"id": "7", "kind": "TRAIN", "state": "RUNNING", "progress": 0.4, "result": None, "error": None}
    done = {
        **running,
        "state": "SUCCEEDED",
        "progress": 1.0,
        "result": {"version": "v9", "activated": False, "trainingRows": 700},
    }
    client, transport = client_answering(
        {"data": {"trainModel": {"id": "7", "state": "QUEUED", "progress": 0.0}}},
        {"data": {"job": running}},
        {"data": {"job": done}},
    )

    job_id, started = start_training(client)
    ended_early, halfway = follow(client, "7")
    ended, finished = follow(client, "7")

    assert job_id == "7" and "queued" in text_of(started)
    assert not ended_early and "running" in text_of(halfway) and "label='40%'" in repr(halfway)
    assert ended and "v9" in text_of(finished) and "not activated" in text_of(finished)
    assert [p["query"] for p in transport.payloads] == [TRAIN_MODEL, JOB_STATE, JOB_STATE]


def test_a_viewer_is_told_the_api_refused(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, _ = client_answering(FORBIDDEN, FORBIDDEN)

    job_id, shown = start_training(client)
    refused = activate(client, "v1")

    assert job_id is None and "FORBIDDEN" in text_of(shown) and "not allowed" in text_of(shown)
    assert "FORBIDDEN" in text_of(refused)


def test_activation_says_what_is_served_and_that_a_rescore_follows(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, transport = client_answering({"data": {"activateModel": {"id": "12", "state": "QUEUED"}}})

    shown = activate(client, "v2")

    assert transport.payloads[0] == {"query": ACTIVATE_MODEL, "variables": {"version": "v2"}}
    assert "v2 is served" in text_of(shown) and "rescore job 12" in text_of(shown)
    assert activate(client, None) is not None
