"""The customers grid's blocks: each one GraphQL page, found by the cursor the block before it ended at.

The API pages by keyset cursors, the grid asks for row ranges. The end cursor of every block served is
kept (per view and order), so scrolling on costs one page per block; a block a page or two past the kept
ones is walked to, and one further away (a scrollbar drag) is asked for by its offset.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from dash_ui.api.client import GraphQLClient
from dash_ui.api.documents import CUSTOMERS_BLOCK
from dash_ui.formatting import MISSING, format_money, format_percent
from dash_ui.pages.customers_view import View, as_dict, graphql_filter, graphql_order

PAGE = 100  # the API's largest page, and the grid's block size
MAX_WALK = 2
_KEPT_VIEWS = 256


class CursorCache:
    """End cursors by (view, order) and row offset; the least recently used views are forgotten."""

    def __init__(self) -> None:
        self._views: OrderedDict[str, dict[int, str]] = OrderedDict()
        self._totals: dict[str, int] = {}
        self._lock = threading.Lock()  # callbacks run on many threads

    def nearest(self, key: str, start: int) -> tuple[int, str | None]:
        """The largest kept offset at or before `start` and its cursor (0, None: the beginning)."""
        with self._lock:
            kept = self._views.get(key, {})
            below = [offset for offset in kept if offset <= start]
            if not below:
                return 0, None
            best = max(below)
            return best, kept[best]

    def keep(self, key: str, offset: int, cursor: str) -> None:
        with self._lock:
            self._views.setdefault(key, {})[offset] = cursor
            self._views.move_to_end(key)
            while len(self._views) > _KEPT_VIEWS:
                forgotten, _ = self._views.popitem(last=False)
                self._totals.pop(forgotten, None)

    def total(self, key: str) -> int | None:
        with self._lock:
            return self._totals.get(key)

    def keep_total(self, key: str, total: int) -> None:
        with self._lock:
            self._totals[key] = total


def _key(view: View, order: dict[str, str] | None) -> str:
    return json.dumps([as_dict(view), order], sort_keys=True)


def row_of(node: dict[str, Any], href: str) -> dict[str, Any]:
    """One grid row: every value as it is shown, and the link to the customer's page."""
    risk = node.get("risk") or {}
    probability = risk.get("probability")
    loss = node.get("expectedLoss")
    return {
        "id": node["id"],
        "href": href,
        "name": node["name"],
        "email": node["email"],
        "plan": node["subscriptionType"],
        "tenureMonths": node["tenureMonths"],
        "monthlyCharges": format_money(node["monthlyCharges"], digits=2),
        "lastLoginDays": node["lastLoginDays"],
        "probability": MISSING if probability is None else format_percent(probability),
        "tier": risk.get("tier") or MISSING,
        "expectedLoss": MISSING if loss is None else format_money(loss, digits=2),
    }


def fetch_block(
    client: GraphQLClient,
    cache: CursorCache,
    view: View,
    request: dict[str, Any],
    href: Any,
) -> dict[str, Any]:
    """The grid's `getRowsResponse` for `request` (startRow, endRow, sortModel). Raises ApiError."""
    start = max(0, int(request.get("startRow") or 0))
    order = graphql_order(request.get("sortModel"))
    key = _key(view, order)
    offset, cursor = cache.nearest(key, start)
    jump: int | None = None
    if (start - offset) // PAGE > MAX_WALK:
        offset, cursor, jump = start, None, start
    total = cache.total(key)
    while True:
        variables = {
            "first": PAGE,
            "after": cursor,
            "offset": jump,
            "filter": graphql_filter(view),
            "orderBy": order,
            "withTotal": total is None,
        }
        found = client.execute(CUSTOMERS_BLOCK, variables)["customers"]
        if total is None:
            total = int(found["totalCount"])
            cache.keep_total(key, total)
        info = found["pageInfo"]
        if info["endCursor"]:
            cache.keep(key, offset + len(found["edges"]), info["endCursor"])
        if offset >= start or not info["hasNextPage"]:
            break
        offset, cursor, jump = offset + len(found["edges"]), info["endCursor"], None
    rows = (
        [row_of(edge["node"], href(edge["node"]["id"])) for edge in found["edges"]] if offset == start else []
    )
    return {"rowData": rows, "rowCount": total}
