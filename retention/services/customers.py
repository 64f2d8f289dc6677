"""Reading customers and their risk."""

from __future__ import annotations

from sqlalchemy import Engine

from retention.errors import InvalidInput, NotFound
from retention.listing import DEFAULT_ORDER, NO_FILTER, CustomerFilter, CustomerOrder
from retention.records import Customer, Page, RiskSnapshot
from retention.storage import customers as store
from retention.storage import listing
from retention.storage.listing_offset import MAX_OFFSET, page_at

MAX_PAGE_SIZE = 100


def get_customer(*, engine: Engine, customer_id: str) -> Customer:
    """One customer with its latest risk; NotFound for an unknown id."""
    with engine.connect() as connection:
        customer = store.get_customer(connection, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id!r}")
    return customer


def latest_risk(*, engine: Engine, customer_id: str) -> RiskSnapshot | None:
    """A customer's latest risk snapshot, None if not scored yet; NotFound for an unknown id."""
    return get_customer(engine=engine, customer_id=customer_id).risk


def list_customers(
    *,
    engine: Engine,
    first: int,
    after: str | None,
    wanted: CustomerFilter = NO_FILTER,
    order: CustomerOrder = DEFAULT_ORDER,
    offset: int | None = None,
) -> Page[Customer]:
    """A page of the customers `wanted` holds, in `order` (highest risk first by default, unscored last),
    after the cursor `after` or from position `offset` (one of them, or neither: from the start)."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE_SIZE} (got {first})")
    if offset is not None:
        if after is not None:
            raise InvalidInput("offset: give either after or offset, not both")
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET:,} (got {offset})")
        checked = wanted.checked()
        with engine.connect() as connection:
            return page_at(connection, first=first, offset=offset, wanted=checked, order=order)
    position = None
    if after is not None:
        try:
            position = listing.decode_cursor(after, order)
        except ValueError as exc:
            raise InvalidInput(f"after: {exc}") from exc
    checked = wanted.checked()
    with engine.connect() as connection:
        return listing.page(connection, first=first, after=position, wanted=checked, order=order)


def count_customers(*, engine: Engine, wanted: CustomerFilter = NO_FILTER) -> int:
    """How many customers `wanted` holds."""
    checked = wanted.checked()
    with engine.connect() as connection:
        return listing.count(connection, checked)
