from typing import Any

import dash_bootstrap_components as dbc
import pytest

from dash_ui.api.documents import OVERVIEW_PAGE
from dash_ui.pages import overview
from dash_ui.pages.overview_content import load_overview


def _error(code: str, message: str = "boom") -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


def test_the_page_loads_with_one_graphql_document(client_answering, scored_data):
    # given
    client, transport = client_answering({"data": scored_data})

    # when
    load_overview(client)

    # then
    (payload,) = transport.payloads
    assert payload["query"] == OVERVIEW_PAGE
    assert payload["variables"] == {"topRiskCount": 10, "bins": 20}


def test_kpis_show_formatted_numbers_from_the_overview(client_answering, scored_data):
    client, _ = client_answering({"data": scored_data})

    content = load_overview(client)

    assert content["customers"] == "12,345"
    assert content["churn_rate"] == "20.0%"
    assert content["high_risk"] == "1,234"
    assert content["revenue_at_risk"] == "$25,000"
    assert content["high_risk_detail"] == "10.0% of customers"
    assert content["revenue_at_risk_detail"] == "10.0% of $250,000 monthly revenue"
    assert content["churn_rate_detail"] == "2,469 of 12,345 labelled customers churned"
    assert content["health"] == "61.2" or content["health"] == "61.3"
    assert content["active"] == "9,876" and content["active_detail"].startswith("80.0% of customers")
    assert content["meta"] == "Model v3 · 12,345 of 12,345 customers scored"


def test_a_scored_overview_shows_every_section_and_no_alert(client_answering, scored_data, text_of):
    client, _ = client_answering({"data": scored_data})

    content = load_overview(client)

    assert content["alert"] is None
    assert content["body_hidden"] is False
    assert content["risk_hidden"] is False
    assert list(content["tier_figure"].data[0].y) == [1_234, 3_000, 8_111]
    assert sum(content["distribution_figure"].data[0].y) == 2_000
    assert list(content["plan_figure"].data[0].x) == ["Basic", "Premium"]
    assert list(content["retention_figure"].data[0].y) == [0.98, 0.8]
    table = text_of(content["top_risk_table"])
    assert "CUST0001" in table and "Customer 2" in table and "$79.50" in table and "97" in table
    assert "$77.1" in table, "the expected loss (0.97 × $79.50) is shown"


def test_an_api_error_shows_a_danger_alert_with_its_code_and_hides_the_sections(client_answering, text_of):
    # given
    client, _ = client_answering(_error("UNAVAILABLE", "database is down"))

    # when
    content = load_overview(client)

    # then
    alert = content["alert"]
    assert isinstance(alert, dbc.Alert) and alert.color == "danger"
    assert "database is down (UNAVAILABLE)" in text_of(alert)
    assert "server is running" in text_of(alert)
    assert content["body_hidden"] is True
    assert content["customers"] == "—"


def test_a_model_not_ready_error_tells_the_user_to_train_then_score(client_answering, text_of):
    client, _ = client_answering(_error("MODEL_NOT_READY", "no active model"))

    content = load_overview(client)

    assert "retention train" in text_of(content["alert"])
    assert "retention score" in text_of(content["alert"])


def test_nothing_scored_yet_shows_a_hint_keeps_customer_kpis_and_hides_the_risk_sections(
    client_answering, unscored_data, text_of
):
    client, _ = client_answering({"data": unscored_data})

    content = load_overview(client)

    assert isinstance(content["alert"], dbc.Alert) and content["alert"].color == "warning"
    assert "No scores yet" in text_of(content["alert"])
    assert "retention train" in text_of(content["alert"])
    assert content["customers"] == "12,345"
    assert content["churn_rate"] == "20.0%"
    assert content["high_risk"] == "—"
    assert content["revenue_at_risk"] == "—"
    assert content["risk_hidden"] is True
    assert content["body_hidden"] is False


@pytest.mark.parametrize("field, value", [("modelVersion", None), ("scoredCount", 0)])
def test_either_sign_of_no_scores_counts_as_not_scored(client_answering, scored_data, text_of, field, value):
    scored_data["overview"][field] = value
    client, _ = client_answering({"data": scored_data})

    content = load_overview(client)

    assert "No scores yet" in text_of(content["alert"])


def test_no_customers_at_all_says_how_to_load_them(client_answering, overview_data, text_of):
    client, _ = client_answering({"data": overview_data(scored=False, customer_count=0)})

    content = load_overview(client)

    assert "No customers yet" in text_of(content["alert"])


def test_an_unscored_customer_in_the_table_shows_dashes_not_none(client_answering, unscored_data, text_of):
    client, _ = client_answering({"data": unscored_data})

    table = text_of(load_overview(client)["top_risk_table"])

    assert "None" not in table
    assert "—" in table


def test_every_content_key_has_a_callback_output_and_back(client_answering, scored_data):
    client, _ = client_answering({"data": scored_data}, _error("INTERNAL"))

    assert set(load_overview(client)) == set(overview.OUTPUTS)
    assert set(load_overview(client)) == set(overview.OUTPUTS)


def test_the_layout_does_no_io_and_carries_the_ids_a_browser_test_reads():
    # given a layout called the way Dash does at start-up: with no arguments
    page = overview.layout()

    # then
    ids = {getattr(node, "id", None) for node in page._traverse()}  # type: ignore[no-untyped-call]
    for element_id in (
        "overview-kpi-customers",
        "overview-kpi-churn-rate",
        "overview-kpi-high-risk",
        "overview-kpi-revenue-at-risk",
        "overview-top-risk-table",
        "overview-tier-chart",
        "overview-distribution-chart",
        "overview-plan-chart",
        "overview-retention-chart",
        "overview-kpi-health",
        "overview-kpi-active",
    ):
        assert element_id in ids
