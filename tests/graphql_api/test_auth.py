"""Who may ask: a bearer key with a scope, refused when missing, unknown or revoked; the dashboard's own
in-process identity cannot be claimed over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from graphql_api.app import create_app
from graphql_api.auth import KeyCache
from retention.access import Scope, Unauthenticated
from retention.services import api_keys
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase

OVERVIEW = "{ overview { customerCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture(scope="module")
def anonymous(scored_database: ScoredDatabase) -> Iterator[TestClient]:
    """The app with no key sent, and keys trusted for 0 s so a revocation shows at once."""
    with TestClient(create_app(scored_database.settings(api_key_cache_seconds=0))) as client:
        yield client


def _code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    (error,) = body["errors"]
    assert "data" not in body
    return str(error["extensions"]["code"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer rtn_unknownunknownunknownunknownunknownunknown"},
        {"Authorization": "Bearer not-a-key"},
    ],
)
def test_a_request_without_a_valid_key_is_unauthenticated(
    anonymous: TestClient, headers: dict[str, str]
) -> None:
    response = anonymous.post("/graphql", json={"query": OVERVIEW}, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert _code(response) == "UNAUTHENTICATED"


def test_a_read_key_runs_queries(anonymous: TestClient, scored_database: ScoredDatabase) -> None:
    key = make_key(scored_database.engine, Scope.READ)

    response = anonymous.post("/graphql", json={"query": OVERVIEW}, headers=bearer(key))

    assert response.status_code == 200
    assert response.json()["data"]["overview"]["customerCount"] == 1000


def test_introspection_needs_a_key_like_any_query(
    anonymous: TestClient, scored_database: ScoredDatabase
) -> None:
    refused = anonymous.post("/graphql", json={"query": INTROSPECTION})
    allowed = anonymous.post(
        "/graphql", json={"query": INTROSPECTION}, headers=bearer(make_key(scored_database.engine))
    )

    assert refused.status_code == 401
    assert allowed.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_revoked_key_is_refused(anonymous: TestClient, scored_database: ScoredDatabase) -> None:
    created = api_keys.create_key(engine=scored_database.engine, name="to-revoke", scope=Scope.READ)
    assert (
        anonymous.post("/graphql", json={"query": OVERVIEW}, headers=bearer(created.secret)).status_code
        == 200
    )

    api_keys.revoke_key(engine=scored_database.engine, name="to-revoke")
    response = anonymous.post("/graphql", json={"query": OVERVIEW}, headers=bearer(created.secret))

    assert response.status_code == 401 and _code(response) == "UNAUTHENTICATED"


def test_a_verified_key_is_trusted_only_for_the_cache_seconds(scored_database: ScoredDatabase) -> None:
    # given a cache on a clock the test moves
    now = [100.0]
    cache = KeyCache(scored_database.engine, 3.0, clock=lambda: now[0])
    created = api_keys.create_key(engine=scored_database.engine, name="cached", scope=Scope.READ)
    cache.verify(created.secret)
    api_keys.revoke_key(engine=scored_database.engine, name="cached")

    # when less than the cache time passes, the process still trusts it; after it, it asks again
    now[0] += 2.9
    still_trusted = cache.cached(created.secret)
    now[0] += 0.2

    assert still_trusted is not None and still_trusted.name == "cached"
    assert cache.cached(created.secret) is None
    with pytest.raises(Unauthenticated):
        cache.verify(created.secret)


def test_the_cache_time_cannot_be_set_above_five_seconds(scored_database: ScoredDatabase) -> None:
    with pytest.raises(ValueError, match="api_key_cache_seconds"):
        scored_database.settings(api_key_cache_seconds=6)


@pytest.mark.parametrize("name", ["retention.principal", "X-Retention-Principal", "X-Internal"])
def test_no_header_can_claim_the_dashboards_identity(anonymous: TestClient, name: str) -> None:
    response = anonymous.post("/graphql", json={"query": OVERVIEW}, headers={name: "dashboard"})

    assert response.status_code == 401


def test_the_dashboards_transport_has_no_ambient_identity(anonymous: TestClient) -> None:
    # given the transport the dashboard's callbacks use (bound by the app's lifespan)
    transport = anonymous.app.state.dashboard_transport  # type: ignore[attr-defined]

    # when it posts outside any signed-in dashboard request
    answer = transport.post({"query": OVERVIEW})

    # then the API refuses it: documents run only as the user the dashboard's gate signed in
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_graphiql_page_is_served_without_a_key_and_without_any_key_in_it(anonymous: TestClient) -> None:
    response = anonymous.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "data-demo-key" not in response.text


def test_the_demo_key_is_prefilled_only_for_a_browser_on_this_machine(
    scored_database: ScoredDatabase,
) -> None:
    key = make_key(scored_database.engine)
    app = create_app(scored_database.settings(demo_api_key=key))

    with (
        TestClient(app, client=("127.0.0.1", 40000)) as local,
        TestClient(app, client=("10.1.2.3", 40000)) as remote,
    ):
        on_this_machine = local.get("/graphql", headers={"Accept": "text/html"}).text
        from_elsewhere = remote.get("/graphql", headers={"Accept": "text/html"}).text

    assert f'data-demo-key="{key}"' in on_this_machine
    assert key not in from_elsewhere
