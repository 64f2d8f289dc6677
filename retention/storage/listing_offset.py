"""A listing page at an offset, for clients that jump (a grid's scrollbar) rather than page on.

Cursors stay the way to page: an offset costs an index walk over the skipped entries. The walk is on the
order's index alone (ids, then only the page's rows are read). Unfiltered risk orders merge three tier
ranges; when those ranges do not overlap in the order (the tiers follow the thresholds, as scoring
writes them), whole tiers are skipped by their counts and the walk stays inside one tier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, union_all

from retention.listing import CustomerFilter, CustomerOrder, SortDirection
from retention.records import Customer, Page
from retention.storage.customers import to_customer
from retention.storage.listing import (
    KEY_COLUMNS,
    TIERS,
    Position,
    conditions,
    encode_cursor,
    keyed_segment,
    merges_tiers,
    rows_of,
)
from retention.storage.tables import customers

MAX_OFFSET = 10_000_000


def page_at(
    connection: Connection, *, first: int, offset: int, wanted: CustomerFilter, order: CustomerOrder
) -> Page[Customer]:
    """Up to `first` customers from position `offset` (0 is the first) of the listing in `order`."""
    key = KEY_COLUMNS[order.field]
    where = conditions(wanted)
    descending = order.direction is SortDirection.DESC
    limit = first + 1
    keyed = not (order.field.nullable and wanted.scored is False)
    rows: list[Any] = []
    if keyed:
        if merges_tiers(order, wanted):
            rows = _merged_rows(connection, key, where, order, offset, limit)
        else:
            ids = keyed_segment(key, where, None, order, limit).offset(offset)
            rows = rows_of(connection, ids, (key.name, "customer_id"), descending)
    if order.field.nullable and len(rows) < limit and not wanted.needs_score:
        skip = 0
        if not rows:  # past the keyed customers: how many there are says where the unscored ones start
            skip = max(0, offset - (_keyed_count(connection, key, where) if keyed else 0))
        query = (
            select(customers.c.id, customers.c.customer_id)
            .where(*where, key.is_(None), customers.c.risk_tier.is_(None))
            .order_by(customers.c.customer_id)
            .offset(skip)
            .limit(limit - len(rows))
        )
        rows += rows_of(connection, query, ("customer_id",), False)
    kept = rows[:first]
    return Page(
        items=[to_customer(row) for row in kept],
        cursors=[
            encode_cursor(order, Position(row._mapping[key.name], row._mapping["customer_id"]))
            for row in kept
        ],
        has_next_page=len(rows) > first,
    )


def _keyed_count(connection: Connection, key: Any, where: list[Any]) -> int:
    query = select(func.count()).select_from(customers).where(*where, key.is_not(None))
    return int(connection.execute(query).scalar_one())


def _merged_rows(
    connection: Connection, key: Any, where: list[Any], order: CustomerOrder, offset: int, limit: int
) -> list[Any]:
    descending = order.direction is SortDirection.DESC
    tiers = _tiers_apart(connection, key, where, descending)
    if tiers is None:
        return _merged_by_union(connection, key, where, order, offset, limit)
    rows: list[Any] = []
    for index, tier in enumerate(tiers):
        in_tier = [customers.c.risk_tier == tier]  # a tier is written only with its score
        if not rows and index < len(tiers) - 1:
            # Counted only while the offset may lie beyond: the tiers after it are never counted, and
            # neither is the last (the offset is in it or past the end), the largest of them as a rule
            # (counting 767,000 LOW customers took 184 ms, more than walking most offsets in them).
            count = int(
                connection.execute(select(func.count()).select_from(customers).where(*in_tier)).scalar_one()
            )
            if offset >= count:
                offset -= count
                continue
        ids = keyed_segment(key, [*where, customers.c.risk_tier == tier], None, order, limit - len(rows))
        rows += rows_of(connection, ids.offset(offset), (key.name, "customer_id"), descending)
        offset = 0
        if len(rows) >= limit:
            break
    return rows


def _tiers_apart(connection: Connection, key: Any, where: list[Any], descending: bool) -> list[str] | None:
    """The tiers in listing order, or None when their key ranges overlap (or a filter would make counting
    them cost a read of every row). Each tier's ends are two index dives."""
    if where:
        return None
    found = []
    for tier in TIERS:
        # By tier alone: with a condition on the key as well, MariaDB scans the range for MIN and MAX.
        low, high = connection.execute(
            select(func.min(key), func.max(key)).where(customers.c.risk_tier == tier)
        ).one()
        if low is not None:
            found.append((tier, low, high))
    found.sort(key=lambda span: span[1], reverse=descending)
    for before, after in zip(found, found[1:], strict=False):
        apart = before[1] > after[2] if descending else before[2] < after[1]
        if not apart:
            return None
    return [tier for tier, _, _ in found]


def _merged_by_union(
    connection: Connection, key: Any, where: list[Any], order: CustomerOrder, offset: int, limit: int
) -> list[Any]:
    parts = [
        keyed_segment(key, [*where, customers.c.risk_tier == tier], None, order, offset + limit).subquery()
        for tier in TIERS
    ]
    merged = union_all(*(select(part) for part in parts)).subquery()
    columns = (merged.c[key.name], merged.c.customer_id)
    descending = order.direction is SortDirection.DESC
    ordered = [c.desc() for c in columns] if descending else [c.asc() for c in columns]
    ids = select(merged).order_by(*ordered).offset(offset).limit(limit)
    return rows_of(connection, ids, (key.name, "customer_id"), descending)
