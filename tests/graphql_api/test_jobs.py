"""Background jobs through the API: rescore, train, activate, poll; admin scope only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.access import Scope
from tests.graphql_api.calls import data, error_of
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

JOB_FIELDS = "id kind state progress result error requestedBy createdAt startedAt finishedAt"
RESCORE = f"mutation {{ rescoreCustomers {{ {JOB_FIELDS} }} }}"
TRAIN = f"mutation T($trees: Int!) {{ trainModel(trees: $trees, activate: true) {{ {JOB_FIELDS} }} }}"
ACTIVATE = f"mutation A($v: String!) {{ activateModel(version: $v) {{ {JOB_FIELDS} }} }}"
JOB = f"query J($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
HISTORY = (
    'query { customer(id: "CUST0000001") { riskHistory(first: 100) { edges { node { modelVersion } } } } }'
)
SERVED = "query { model { version } }"


@pytest.fixture(scope="module")
def admin(scored_database: ScoredDatabase) -> Iterator[TestClient]:
    """The app with an admin key on every request; its job worker runs for the module."""
    key = make_key(scored_database.engine, Scope.ADMIN)
    settings = scored_database.settings(job_poll_seconds=0.2)
    with TestClient(create_app(settings), headers=bearer(key)) as client:
        yield client


def _finished(client: TestClient, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = data(client, JOB, id=job_id)["job"]
        if job["state"] in ("SUCCEEDED", "FAILED"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def _history(client: TestClient) -> list[str]:
    edges = data(client, HISTORY)["customer"]["riskHistory"]["edges"]
    return [edge["node"]["modelVersion"] for edge in edges]


def test_a_rescore_job_scores_every_customer_and_reports_it(admin: TestClient) -> None:
    before = _history(admin)

    queued = data(admin, RESCORE)["rescoreCustomers"]

    assert queued["kind"] == "RESCORE" and queued["state"] in ("QUEUED", "RUNNING")
    assert queued["requestedBy"].startswith("test-admin")
    done = _finished(admin, queued["id"])
    assert done["state"] == "SUCCEEDED", done
    assert done["progress"] == 1.0 and done["error"] is None
    assert done["result"]["customersScored"] == 1000
    assert done["startedAt"] and done["finishedAt"] >= done["startedAt"]
    served = data(admin, SERVED)["model"]["version"]
    assert done["result"]["modelVersion"] == served
    assert _history(admin) == [served, *before]


def test_training_activates_a_new_version_and_queues_its_rescore(
    admin: TestClient, scored_database: ScoredDatabase
) -> None:
    trained = _finished(admin, data(admin, TRAIN, trees=10)["trainModel"]["id"])

    assert trained["state"] == "SUCCEEDED", trained
    result = trained["result"]
    assert result["activated"] is True and result["version"] != scored_database.model_version
    assert result["trainingRows"] + result["testRows"] == 1000 and 0.5 < result["rocAuc"] <= 1.0
    assert data(admin, SERVED)["model"]["version"] == result["version"]
    rescored = _finished(admin, result["rescoreJobId"])
    assert rescored["state"] == "SUCCEEDED" and rescored["result"]["modelVersion"] == result["version"]
    assert _history(admin)[0] == result["version"]

    # Back to the first version: served at once, and the stored scores follow.
    job = data(admin, ACTIVATE, v=scored_database.model_version)["activateModel"]

    assert data(admin, SERVED)["model"]["version"] == scored_database.model_version
    assert _finished(admin, job["id"])["result"]["modelVersion"] == scored_database.model_version
    assert _history(admin)[0] == scored_database.model_version


@pytest.mark.parametrize("version", ["20990101T000000Z", "../../etc/passwd", ""])
def test_activating_a_version_that_is_not_there_is_not_found(
    admin: TestClient, scored_database: ScoredDatabase, version: str
) -> None:
    error = error_of(admin, ACTIVATE, v=version)

    assert error["extensions"]["code"] == "NOT_FOUND"
    assert str(scored_database.model_dir) not in error["message"]


def test_too_few_trees_is_bad_user_input(admin: TestClient) -> None:
    error = error_of(admin, TRAIN, trees=5)

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "trees" in error["message"]


@pytest.mark.parametrize("job_id", ["999999999", "abc", "-1", "1" * 40])
def test_an_unknown_job_is_not_found(admin: TestClient, job_id: str) -> None:
    assert error_of(admin, JOB, id=job_id)["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "document",
    [RESCORE, "mutation { trainModel { id } }", 'mutation { activateModel(version: "x") { id } }', JOB],
)
def test_jobs_need_the_admin_scope(scored_database: ScoredDatabase, api: TestClient, document: str) -> None:
    write = make_key(scored_database.engine, Scope.WRITE)
    for headers in ({}, bearer(write)):  # the api client's read key, then a write key
        error = error_of(api, document, id="1") if document is JOB else None
        if error is None:
            response = api.post(
                "/graphql", json={"query": document, "variables": {"id": "1"}}, headers=headers
            )
            error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN"
