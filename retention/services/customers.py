"""Reading customers and their risk."""

from __future__ import annotations

from sqlalchemy import Engine

from retention.errors import InvalidInput, NotFound
from retention.records import Customer, Page, RiskSnapshot
from retention.storage import customers as store

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


def customers_by_risk(*, engine: Engine, first: int, after: str | None) -> Page[Customer]:
    """A page of customers, highest risk first."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE_SIZE} (got {first})")
    if after is not None:
        try:
            store.decode_cursor(after)
        except ValueError as exc:
            raise InvalidInput(f"after: {exc}") from exc
    with engine.connect() as connection:
        return store.page_by_risk(connection, first=first, after=after)


def cursor_for(customer: Customer) -> str:
    """The listing cursor that points just after `customer`."""
    return store.encode_cursor(customer.risk.probability if customer.risk else None, customer.customer_id)
