"""The app as Dash serves it: pages registered, the nav built from them, callbacks wired to the client."""

import logging
from typing import Any

import dash
import pytest

from dash_ui.api.client import GraphQLClient
from dash_ui.app import create_dash_app
from dash_ui.components.shell import SHELL_ERROR, nav_links
from dash_ui.pages import overview


def _refresh_overview(app: dash.Dash) -> dict[str, Any]:
    """POST what the browser sends when the overview page first renders."""
    server = app.server.test_client()
    outputs = [{"id": o.component_id, "property": o.component_property} for o in overview.OUTPUTS.values()]
    response = server.post(
        "/_dash-update-component",
        json={
            # Dash names a multi-output callback "..id.prop...id.prop.."
            "output": "..{}..".format("...".join(f"{o['id']}.{o['property']}" for o in outputs)),
            "outputs": outputs,
            "inputs": [{"id": overview.OVERVIEW_REFRESH, "property": "n_clicks", "value": None}],
            "changedPropIds": [],
            "state": [],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    answer: dict[str, Any] = response.get_json()
    return answer


def test_the_overview_callback_fills_the_kpis_through_the_client(client_answering, scored_data):
    # given
    client, transport = client_answering({"data": scored_data})
    app = create_dash_app(client)

    # when
    answer = _refresh_overview(app)["response"]

    # then
    assert answer[overview.OVERVIEW_KPI_CUSTOMERS] == {"children": "12,345"}
    assert answer[overview.OVERVIEW_KPI_REVENUE_AT_RISK] == {"children": "$25,000"}
    assert len(transport.payloads) == 1


def test_an_unexpected_failure_shows_an_alert_in_the_shell_and_is_logged(caplog):
    # given a transport with a bug in it (not an ApiError)
    class BrokenTransport:
        def post(self, payload):
            raise KeyError("surprise")

    app = create_dash_app(GraphQLClient(BrokenTransport()))

    # when
    with caplog.at_level(logging.ERROR):
        answer = _refresh_overview(app)

    # then
    assert "Something went wrong" in str(answer["sideUpdate"][SHELL_ERROR])
    assert "surprise" in caplog.text


def test_the_nav_is_built_from_the_page_registry_with_prefixed_links(client_answering):
    create_dash_app(client_answering()[0])

    links = [item.children for item in nav_links()]

    # in page order; one customer's page is reached from its links, not the nav
    assert [(link.children, link.href, link.active) for link in links] == [
        ("Overview", "/dashboard/", "exact"),
        ("Customers", "/dashboard/customers", "exact"),
        ("Churn drivers", "/dashboard/drivers", "exact"),
        ("Model", "/dashboard/model", "exact"),
        ("What-if", "/dashboard/what-if", "exact"),
    ]


@pytest.mark.parametrize("prefix", ["/dashboard/", "/retention/ui/"])
def test_the_overview_page_is_registered_at_the_root_of_the_prefix(client_answering, prefix):
    create_dash_app(client_answering()[0], requests_pathname_prefix=prefix)

    page = dash.page_registry[overview.__name__]

    assert page["path"] == "/"
    assert page["relative_path"] == prefix
