"""The customers grid: the view in the URL, whitelisted; blocks by kept cursors; the CSV export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_ui.api.documents import CUSTOMERS_BLOCK
from dash_ui.pages import customers_view as views
from dash_ui.pages.customers_export import HEADER, csv_lines
from dash_ui.pages.customers_rows import MAX_WALK, CursorCache, fetch_block


def _page(start: int, count: int, more: bool, total: int | None = None) -> dict[str, Any]:
    edges = [
        {
            "node": {
                "id": f"C{i}",
                "name": f"=Name {i}",
                "email": f"c{i}@x.io",
                "subscriptionType": "Basic",
                "tenureMonths": 3,
                "monthlyCharges": 10.0,
                "lastLoginDays": 4,
                "expectedLoss": 5.0,
                "risk": {"probability": 0.5, "tier": "HIGH"},
            }
        }
        for i in range(start, start + count)
    ]
    found: dict[str, Any] = {
        "pageInfo": {"hasNextPage": more, "endCursor": f"cur{start + count}"},
        "edges": edges,
    }
    if total is not None:
        found["totalCount"] = total
    return {"data": {"customers": found}}


def test_a_url_view_round_trips_and_drops_what_is_not_whitelisted() -> None:
    view = views.from_search("?tier=HIGH&plan=Basic&min=40&max=90&q=ada")

    assert view == views.View("HIGH", "Basic", 40, 90, "ada")
    assert views.from_search(views.to_search(view)) == view
    hostile = views.from_search("?tier=SUPER&plan=Basic%27%20OR%201=1&min=-5&max=1000&q=%00")
    assert hostile == views.View()
    assert views.graphql_filter(view) == {
        "tier": "HIGH",
        "subscriptionType": "Basic",
        "minScore": 40,
        "maxScore": 90,
        "search": "ada",
    }


def test_only_the_sortable_columns_become_an_order() -> None:
    assert views.graphql_order([{"colId": "expectedLoss", "sort": "asc"}]) == {
        "field": "EXPECTED_LOSS",
        "direction": "ASC",
    }
    assert views.graphql_order([{"colId": "email", "sort": "asc"}]) is None
    assert views.graphql_order([{"colId": "name", "sort": "sideways"}]) is None


def test_blocks_follow_kept_cursors_and_the_total_is_asked_once(client_answering: Callable[..., Any]) -> None:
    client, transport = client_answering(
        _page(0, 100, True, total=250), _page(100, 100, True), _page(200, 50, False)
    )
    cache = CursorCache()
    view = views.View(tier="HIGH")

    first = fetch_block(client, cache, view, {"startRow": 0, "endRow": 100}, lambda i: f"/c/{i}")
    second = fetch_block(client, cache, view, {"startRow": 100, "endRow": 200}, lambda i: f"/c/{i}")
    last = fetch_block(client, cache, view, {"startRow": 200, "endRow": 300}, lambda i: f"/c/{i}")

    assert first["rowCount"] == 250 and first["rowData"][0]["href"] == "/c/C0"
    assert [p["variables"]["after"] for p in transport.payloads] == [None, "cur100", "cur200"]
    assert [p["variables"]["withTotal"] for p in transport.payloads] == [True, False, False]
    assert transport.payloads[0]["query"] == CUSTOMERS_BLOCK
    assert second["rowData"][0]["id"] == "C100" and len(last["rowData"]) == 50
    assert first["rowData"][0]["probability"] == "50.0%" and first["rowData"][0]["expectedLoss"] == "$5.00"


def test_a_block_past_the_kept_ones_is_walked_to(client_answering: Callable[..., Any]) -> None:
    client, transport = client_answering(
        _page(0, 100, True, total=900), _page(100, 100, True), _page(200, 100, True)
    )

    block = fetch_block(client, CursorCache(), views.View(), {"startRow": 200}, str)

    assert block["rowData"][0]["id"] == "C200" and len(transport.payloads) == 3


def test_a_far_jump_asks_for_its_offset_and_keeps_the_cursor_it_gets(
    client_answering: Callable[..., Any],
) -> None:
    far = (MAX_WALK + 5) * 100
    client, transport = client_answering(_page(far, 100, True, total=90_000), _page(far + 100, 100, True))
    cache = CursorCache()

    block = fetch_block(client, cache, views.View(), {"startRow": far}, str)
    after = fetch_block(client, cache, views.View(), {"startRow": far + 100}, str)

    assert block["rowData"][0]["id"] == f"C{far}" and block["rowCount"] == 90_000
    assert (
        transport.payloads[0]["variables"]["offset"] == far
        and transport.payloads[0]["variables"]["after"] is None
    )
    assert (
        transport.payloads[1]["variables"]["after"] == f"cur{far + 100}"
        and transport.payloads[1]["variables"]["offset"] is None
    )
    assert after["rowData"][0]["id"] == f"C{far + 100}"


def test_the_export_streams_every_page_and_quotes_formulas(client_answering: Callable[..., Any]) -> None:
    client, transport = client_answering(_page(0, 100, True), _page(100, 20, False))

    lines = list(csv_lines(client, views.View(tier="HIGH")))

    assert lines[0].strip() == ",".join(HEADER) and len(lines) == 1 + 120
    assert lines[1].split(",")[1] == "'=Name 0"  # a spreadsheet would run it otherwise
    assert transport.payloads[1]["variables"]["after"] == "cur100"
    assert transport.payloads[0]["variables"]["filter"] == {"tier": "HIGH"}
