"""The customers listing: a connection of customers with its cursors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.customer_type import Customer
from graphql_api.errors import call_core
from retention.records import Customer as CustomerRecord
from retention.records import Page
from retention.services import customers as customer_service


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")


@strawberry.type(description="One customer in a page.")
class CustomerEdge:
    cursor: str = strawberry.field(description="Opaque position of this customer in the listing.")
    node: CustomerRecord = strawberry.field(graphql_type=Customer, description="The customer.")


@strawberry.type(description="A page of customers, highest risk first.")
class CustomerConnection:
    total_count: int = strawberry.field(description="Customers in the whole listing.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    edges: list[CustomerEdge] = strawberry.field(description="The customers on this page.")

    @classmethod
    def from_page(
        cls, page: Page[CustomerRecord], cursor_of: Callable[[CustomerRecord], str]
    ) -> CustomerConnection:
        """The API view of a core page."""
        return cls(
            total_count=page.total_count,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            edges=[CustomerEdge(cursor=cursor_of(item), node=item) for item in page.items],
        )


def _cursor_of(customer: CustomerRecord) -> str:
    return customer_service.cursor_for(customer)


@strawberry.type
class ListingQuery:
    @strawberry.field(description="Customers, highest churn risk first (unscored customers last).")
    async def customers(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="endCursor of the previous page.")
        ] = None,
    ) -> CustomerConnection:
        page = await call_core(
            customer_service.customers_by_risk, engine=info.context.runtime.engine, first=first, after=after
        )
        return CustomerConnection.from_page(page, _cursor_of)
