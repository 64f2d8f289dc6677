"""Signing in to the dashboard: the form, the cookie, the gate, and who the dashboard's queries run as."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from dash_ui.pages import overview
from graphql_api import app as app_module
from graphql_api.app import create_app
from retention.access import Role
from retention.services import users
from tests.support import ScoredDatabase

PASSWORD = "correct horse battery"
SAME_SITE = {"Origin": "http://testserver"}


@pytest.fixture(scope="module")
def site(scored_database: ScoredDatabase) -> Iterator[TestClient]:
    """The app with a viewer `vera` and an admin `ada`; users are re-checked at every request here."""
    for name, role in (("vera", Role.VIEWER), ("ada", Role.ADMIN)):
        users.create_user(engine=scored_database.engine, username=name, password=PASSWORD, role=role)
    patch = pytest.MonkeyPatch()
    patch.setattr(app_module, "USER_CHECK_SECONDS", 0.0)
    with TestClient(create_app(scored_database.settings()), follow_redirects=False) as client:
        yield client
    patch.undo()


def _sign_in(site: TestClient, username: str, password: str = PASSWORD, **form: str) -> Any:
    site.cookies.clear()
    return site.post("/signin", data={"username": username, "password": password, **form}, headers=SAME_SITE)


def _overview_callback(site: TestClient) -> Any:
    outputs = [{"id": o.component_id, "property": o.component_property} for o in overview.OUTPUTS.values()]
    return site.post(
        "/dashboard/_dash-update-component",
        json={
            "output": "..{}..".format("...".join(f"{o['id']}.{o['property']}" for o in outputs)),
            "outputs": outputs,
            "inputs": [{"id": overview.OVERVIEW_REFRESH, "property": "n_clicks", "value": None}],
            "changedPropIds": [],
            "state": [],
        },
        headers=SAME_SITE,
    )


def test_the_sign_in_page_is_a_labelled_form_served_without_a_session(site: TestClient) -> None:
    page = site.get("/signin")

    assert page.status_code == 200
    assert '<label class="form-label" for="username">' in page.text and 'for="password"' in page.text
    assert 'type="submit"' in page.text and 'type="password"' in page.text
    assert site.get("/dashboard/assets/vendor/bootstrap/bootstrap.min.css").status_code == 200


def test_without_a_session_pages_send_to_sign_in_and_data_requests_are_refused(site: TestClient) -> None:
    site.cookies.clear()

    page = site.get("/dashboard/customers?tier=HIGH", headers={"Accept": "text/html"})
    data = site.get("/dashboard/_dash-layout")

    assert (
        page.status_code == 303
        and page.headers["location"] == "/signin?next=/dashboard/customers%3Ftier%3DHIGH"
    )
    assert data.status_code == 401
    assert _overview_callback(site).status_code == 401


def test_signing_in_sets_a_strict_http_only_cookie_and_goes_where_it_was_asked(site: TestClient) -> None:
    answer = _sign_in(site, "ada", next="/dashboard/model")

    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/model"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert site.get("/dashboard/", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/graphql", "/dashboard\\\\x"]
)
def test_sign_in_never_sends_the_user_off_the_dashboard(site: TestClient, target: str) -> None:
    assert _sign_in(site, "ada", next=target).headers["location"] == "/dashboard/"


def test_a_wrong_password_shows_the_form_again_with_one_message(site: TestClient) -> None:
    answer = _sign_in(site, "ada", password="not the password")

    assert answer.status_code == 401 and users.WRONG in answer.text and "set-cookie" not in answer.headers


def test_a_post_from_another_site_is_refused(site: TestClient) -> None:
    site.cookies.clear()
    forged = site.post(
        "/signin", data={"username": "ada", "password": PASSWORD}, headers={"Origin": "http://evil.example"}
    )
    _sign_in(site, "ada")
    riding = site.post(
        "/dashboard/_dash-update-component", json={}, headers={"Origin": "http://evil.example"}
    )

    assert forged.status_code == 403 and riding.status_code == 403


def test_a_forged_or_tampered_cookie_is_no_session(site: TestClient) -> None:
    site.cookies.clear()
    site.cookies.set("retention_session", "eyJ1IjoiYWRhIn0.forged.signature")

    assert site.get("/dashboard/_dash-layout").status_code == 401


def test_the_dashboards_queries_run_as_the_signed_in_user(site: TestClient) -> None:
    _sign_in(site, "vera")

    answer = _overview_callback(site)

    assert answer.status_code == 200
    assert answer.json()["response"][overview.OVERVIEW_KPI_CUSTOMERS]["children"] == "1,000"


def test_a_disabled_user_is_out_at_their_next_request(
    site: TestClient, scored_database: ScoredDatabase
) -> None:
    users.create_user(engine=scored_database.engine, username="temp", password=PASSWORD, role=Role.VIEWER)
    _sign_in(site, "temp")
    assert site.get("/dashboard/_dash-layout").status_code == 200

    users.disable_user(engine=scored_database.engine, username="temp")

    assert site.get("/dashboard/_dash-layout").status_code == 401


def test_signing_out_clears_the_cookie(site: TestClient) -> None:
    _sign_in(site, "ada")

    answer = site.post("/signout", headers=SAME_SITE)

    assert answer.status_code == 303 and "Max-Age=0" in answer.headers["set-cookie"]
    assert site.get("/dashboard/_dash-layout").status_code == 401
