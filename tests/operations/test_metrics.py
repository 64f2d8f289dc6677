"""GET /metrics: Prometheus text a scraper with an admin key reads, counting what the process did."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention import metrics
from retention.access import Scope
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

PING = "query Ping { features { name } }"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_parse_and_count_a_request_by_its_operation_and_outcome(
    scored_database: ScoredDatabase,
) -> None:
    admin = make_key(scored_database.engine, Scope.ADMIN)
    reader = make_key(scored_database.engine, Scope.READ)
    key = ("retention_graphql_requests_total", (("code", "OK"), ("operation", "Ping")))
    with TestClient(create_app(scored_database.settings())) as client:
        before = _samples(client.get("/metrics", headers=bearer(admin)).text).get(key, 0.0)
        assert client.post("/graphql", json={"query": PING}, headers=bearer(reader)).status_code == 200
        response = client.get("/metrics", headers=bearer(admin))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[key] == before + 1
    assert samples[("retention_graphql_request_seconds_count", (("operation", "Ping"),))] >= 1
    assert samples[("retention_served_model", (("version", scored_database.model_version),))] == 1
    assert samples[("retention_newest_score_age_seconds", ())] >= 0
    assert ("retention_db_pool_connections_in_use", ()) in samples


@pytest.mark.parametrize(("scope", "status"), [(None, 401), (Scope.READ, 403), (Scope.WRITE, 403)])
def test_metrics_need_an_admin_key(scored_database: ScoredDatabase, scope: Scope | None, status: int) -> None:
    headers = bearer(make_key(scored_database.engine, scope)) if scope else {}
    with TestClient(create_app(scored_database.settings())) as client:
        response = client.get("/metrics", headers=headers)

    assert response.status_code == status
    assert "retention_graphql_requests" not in response.text


def test_operation_names_past_the_cap_count_as_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_names", set())
    labels = [metrics.operation_label(f"Op{i}") for i in range(metrics.MAX_OPERATION_NAMES + 50)]

    assert labels[: metrics.MAX_OPERATION_NAMES] == [f"Op{i}" for i in range(metrics.MAX_OPERATION_NAMES)]
    assert set(labels[metrics.MAX_OPERATION_NAMES :]) == {metrics.OTHER}
    assert metrics.operation_label("Op0") == "Op0", "a name seen before the cap keeps its label"
