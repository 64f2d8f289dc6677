"""The dashboard and GraphiQL in a real browser: real numbers, and no request leaves the machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, VIEWER, VIEWER_PASSWORD
from tests.support import ScoredDatabase

pytestmark = pytest.mark.browser

OVERVIEW = """
{ overview { customerCount highRiskCount monthlyRevenueAtRisk }
  customers(first: 1, orderBy: {field: EXPECTED_LOSS, direction: DESC}) { edges { node { id name } } } }"""


def _open(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    return page, requested


def _signed_in(browser: Any, base: str, width: int = 1280, user: tuple[str, str] | None = None) -> Any:
    """A page of a fresh browser context, signed in through the sign-in form (as the viewer by default)."""
    username, password = user or (VIEWER, VIEWER_PASSWORD)
    page = browser.new_context(viewport={"width": width, "height": 1000}).new_page()
    page.goto(f"{base}/dashboard/")
    page.wait_for_url(f"{base}/signin?next=/dashboard/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
    return page


def _signed_in_at(browser: Any, base: str, url: str, width: int = 1280) -> tuple[Any, list[str]]:
    page = _signed_in(browser, base, width)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    return page, requested


def test_the_overviews_top_customer_opens_its_page_with_score_drivers_and_history(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, key = served
    truth = httpx.post(
        f"{base}/graphql", json={"query": OVERVIEW}, headers={"Authorization": f"Bearer {key}"}
    ).json()["data"]
    top = truth["customers"]["edges"][0]["node"]
    page, requested = _signed_in_at(browser, base, f"{base}/dashboard/")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.click("#overview-top-risk-table tbody tr:first-child a", timeout=30_000)
    page.wait_for_selector("#customer-waterfall .main-svg", timeout=30_000)
    page.wait_for_function("document.querySelector('#customer-title').innerText.length > 0")

    assert page.url == f"{base}/dashboard/customers/{top['id']}"
    assert page.inner_text("#customer-title") == top["name"]
    assert "%" in page.inner_text("#customer-score")
    assert "Base rate" in page.inner_text("#customer-waterfall")
    assert page.locator("#customer-history .main-svg").count() > 0
    assert page.locator("#customer-profile tr").count() > 10
    assert not errors, errors
    assert all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]
    page.close()


def test_overview_shows_the_apis_numbers_with_every_request_local(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, key = served
    truth = httpx.post(
        f"{base}/graphql", json={"query": OVERVIEW}, headers={"Authorization": f"Bearer {key}"}
    ).json()["data"]

    page, requested = _signed_in_at(browser, base, f"{base}/dashboard/")
    page.wait_for_selector("#overview-top-risk-table tbody tr", timeout=30_000)

    overview = truth["overview"]
    assert page.inner_text("#overview-kpi-customers") == f"{overview['customerCount']:,}"
    assert page.inner_text("#overview-kpi-high-risk") == f"{overview['highRiskCount']:,}"
    assert page.inner_text("#overview-kpi-revenue-at-risk") == f"${overview['monthlyRevenueAtRisk']:,.0f}"
    top_id = truth["customers"]["edges"][0]["node"]["id"]
    assert page.inner_text("#overview-top-risk-table tbody tr:first-child").startswith(top_id)
    assert page.locator("#overview-tier-chart .main-svg").count() > 0
    assert page.locator("#overview-distribution-chart .main-svg").count() > 0
    assert requested and all(url.startswith(base) for url in requested), [
        u for u in requested if not u.startswith(base)
    ]
    page.close()


def test_graphiql_runs_a_query_with_the_prefilled_key_and_every_request_local(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, key = served
    page, requested = _open(browser, f"{base}/graphql")
    sent_keys: list[str | None] = []
    page.on("request", lambda request: sent_keys.append(request.headers.get("authorization")))
    page.wait_for_selector(".graphiql-execute-button", timeout=30_000)

    page.click(".graphiql-execute-button")
    # The page's CSP forbids eval, so wait through a locator rather than wait_for_function.
    page.locator(".result-window").filter(has_text="customerCount").wait_for(timeout=30_000)

    assert f"Bearer {key}" in sent_keys
    assert "UNAUTHENTICATED" not in page.inner_text(".result-window")
    # the explorer plugin is loaded beside the docs
    assert page.locator("[aria-label='Show GraphiQL Explorer']").count() == 1
    assert all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]
    page.close()


# Where each page's screenshots go; CI keeps the folder as an artifact. Look at them.
SCREENSHOTS = Path(os.environ.get("RETENTION_TEST_SCREENSHOTS", "build/screenshots"))
# (path under /dashboard, a selector that appears once the page's data is drawn)
PAGES = (
    ("", "#overview-tier-chart .main-svg"),
    ("customers", ".ag-row[row-index='0'] a"),
    ("drivers", "#drivers-segment-chart .main-svg .barlayer"),
    ("model", "#model-roc .main-svg"),
    ("what-if", "#whatif-waterfall .main-svg .waterfalllayer"),
)


@pytest.mark.parametrize("width", [1440, 768])
@pytest.mark.parametrize(("path", "drawn"), PAGES)
def test_every_page_draws_its_data_without_console_errors_at_desktop_and_tablet_width(
    browser: Any, served: tuple[str, ScoredDatabase, str], path: str, drawn: str, width: int
) -> None:
    base, _, _ = served
    page = _signed_in(browser, base, width)
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{base}/dashboard/{path}")
    page.wait_for_selector(drawn, timeout=30_000)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}-{width}.png"), full_page=True)
    assert not errors, errors
    assert page.locator(".alert-danger").count() == 0
    assert all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]
    # the partial plotly.js bundle drew the chart; the full one was never fetched
    assert [u for u in requested if u.endswith("plotly.min.js")] == []
    # nothing wider than the window: no sideways scrolling on a tablet
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_a_what_if_change_moves_the_score(browser: Any, served: tuple[str, ScoredDatabase, str]) -> None:
    base, _, _ = served
    page = _signed_in(browser, base)
    page.goto(f"{base}/dashboard/what-if")
    page.wait_for_selector("#whatif-waterfall .main-svg .waterfalllayer", timeout=30_000)
    before = page.inner_text("#whatif-probability")
    field = page.locator('input[id*="unresolvedTickets"]')
    tickets = int(field.input_value())

    field.fill(str(tickets + 6))
    field.press("Enter")
    page.wait_for_function(
        "before => document.querySelector('#whatif-probability').innerText !== before",
        arg=before,
        timeout=30_000,
    )

    assert page.inner_text("#whatif-probability").endswith("%")
    page.close()


def test_the_model_page_shows_the_served_version_and_its_baseline(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, database, _ = served
    page = _signed_in(browser, base)
    page.goto(f"{base}/dashboard/model")
    page.wait_for_selector("#model-versions tbody tr", timeout=30_000)

    assert database.model_version in page.inner_text("#model-meta")
    assert "Baseline" in page.inner_text("#model-metrics")
    assert page.locator("#model-confusion .confusion").count() == 2
    assert (
        page.locator(f'#model-versions tr[data-version="{database.model_version}"] .badge').inner_text()
        == "active"
    )
    page.close()


LOWEST_TENURE = (
    "{ customers(first: 1, filter: {tier: MEDIUM}, orderBy: {field: TENURE, direction: ASC}) "
    "{ edges { node { id } } } }"
)


def test_the_grid_filters_by_the_url_sorts_and_exports_what_it_shows(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, key = served
    truth = httpx.post(
        f"{base}/graphql",
        json={
            "query": "{ customers(first: 100, filter: {tier: MEDIUM}) { totalCount edges { node { id } } } }"
        },
        headers={"Authorization": f"Bearer {key}"},
    ).json()["data"]["customers"]
    page = _signed_in(browser, base, 1440)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{base}/dashboard/customers?tier=MEDIUM")
    page.wait_for_selector(".ag-row[row-index='0'] a", timeout=30_000)

    first = page.inner_text(".ag-center-cols-container .ag-row[row-index='0'] [col-id='tier']")
    assert first == "MEDIUM"
    assert (
        page.inner_text(".ag-pinned-left-cols-container .ag-row[row-index='0']")
        == truth["edges"][0]["node"]["id"]
    )
    # sort by tenure, ascending: the grid shows the API's order
    lowest = httpx.post(
        f"{base}/graphql",
        json={"query": LOWEST_TENURE},
        headers={"Authorization": f"Bearer {key}"},
    ).json()["data"]["customers"]["edges"][0]["node"]
    page.click(".ag-header-cell[col-id='tenureMonths']")
    page.wait_for_function(
        "id => { const c = document.querySelector(\".ag-pinned-left-cols-container .ag-row[row-index='0']\");"
        " return c && c.innerText === id; }",
        arg=lowest["id"],
        timeout=30_000,
    )
    # the view is in the address; a filter change updates it
    page.fill("#customers-search", "CUST00001")
    page.press("#customers-search", "Enter")
    page.wait_for_function("() => location.search.includes('q=CUST00001')", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#customers-export').getAttribute('href').includes('q=CUST00001')",
        timeout=30_000,
    )
    href = page.get_attribute("#customers-export", "href")
    assert href is not None and "tier=MEDIUM" in href and "q=CUST00001" in href
    exported = page.request.get(f"{base}{href}")
    lines = exported.text().strip().splitlines()
    assert exported.headers["content-type"].startswith("text/csv")
    assert all(line.startswith("CUST00001") and ",MEDIUM," in line for line in lines[1:])
    # no filter: the export holds every MEDIUM customer
    everything = page.request.get(f"{base}/dashboard/customers.csv?tier=MEDIUM").text().strip().splitlines()
    assert len(everything) == 1 + truth["totalCount"]
    assert not errors, errors
    page.close()


def test_a_visitor_is_sent_to_sign_in_and_back_to_the_page_they_asked_for(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, _ = served
    page = browser.new_context().new_page()
    page.goto(f"{base}/dashboard/model")
    page.wait_for_url(f"{base}/signin?next=/dashboard/model")
    page.fill("#username", VIEWER)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "wrong username or password" in page.inner_text(".alert-danger")

    page.fill("#password", VIEWER_PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url(f"{base}/dashboard/model")
    page.wait_for_selector("#model-versions tbody tr", timeout=30_000)
    page.close()


def test_a_viewer_is_refused_a_model_action(browser: Any, served: tuple[str, ScoredDatabase, str]) -> None:
    base, database, _ = served
    page = _signed_in(browser, base)
    page.goto(f"{base}/dashboard/model")
    page.wait_for_selector("#model-versions tbody tr", timeout=30_000)

    page.click("#model-train")
    page.wait_for_selector("#model-job-status .alert-danger", timeout=30_000)
    page.select_option("#model-activate-version", database.model_version)
    page.click("#model-activate")
    page.wait_for_selector("#model-activate-status .alert-danger", timeout=30_000)

    assert "FORBIDDEN" in page.inner_text("#model-job-status")
    assert "FORBIDDEN" in page.inner_text("#model-activate-status")
    page.close()


def test_an_admin_trains_a_version_and_follows_its_progress(
    browser: Any, served: tuple[str, ScoredDatabase, str]
) -> None:
    base, _, _ = served
    page = _signed_in(browser, base, user=(ADMIN, ADMIN_PASSWORD))
    page.goto(f"{base}/dashboard/model")
    page.wait_for_selector("#model-versions tbody tr", timeout=30_000)

    page.click("#model-train")
    page.wait_for_selector("#model-job-status .progress", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#model-job-status .job-state').innerText.endsWith('succeeded')",
        timeout=120_000,
    )

    assert "not activated" in page.inner_text("#model-job-status")  # a version was already active
    page.close()
