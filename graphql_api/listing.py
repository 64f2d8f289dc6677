"""The customers listing: a filtered, ordered connection of customers with keyset cursors."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import Engine

from graphql_api.context import Info
from graphql_api.customer_type import Customer
from graphql_api.errors import call_core
from retention.listing import (
    DEFAULT_ORDER,
    NO_FILTER,
    CustomerFilter,
    CustomerOrder,
    CustomerSortField,
    SortDirection,
)
from retention.records import Customer as CustomerRecord
from retention.records import Page, RiskTier
from retention.services import customers as customer_service


@strawberry.input(
    name="CustomerFilter", description="Which customers to list; every condition given must hold."
)
class CustomerFilterInput:
    tier: RiskTier | None = strawberry.field(
        default=None, description="Only customers whose latest tier is this."
    )
    subscription_type: str | None = strawberry.field(
        default=None,
        description="Only this plan: one of the categories `features` lists for subscriptionType.",
    )
    min_score: int | None = strawberry.field(
        default=None, description="Only scored customers with a risk score (0-100) of at least this."
    )
    max_score: int | None = strawberry.field(
        default=None, description="Only scored customers with a risk score (0-100) of at most this."
    )
    churned: bool | None = strawberry.field(
        default=None,
        description="true: customers labelled churned; false: labelled as staying. Unlabelled customers "
        "match neither.",
    )
    scored: bool | None = strawberry.field(
        default=None, description="true: only customers with a score; false: only those not scored yet."
    )
    search: str | None = strawberry.field(
        default=None,
        description="A prefix of the customer id, the name or the email (1-100 characters, trimmed). Names "
        "and emails match in any letter case; ids match in exact case on MySQL/MariaDB.",
    )

    def to_core(self) -> CustomerFilter:
        return CustomerFilter(
            tier=self.tier,
            subscription_type=self.subscription_type,
            min_score=self.min_score,
            max_score=self.max_score,
            churned=self.churned,
            scored=self.scored,
            search=self.search,
        )


@strawberry.input(
    name="CustomerOrder", description="The order of a listing; ties go by customer id, same way."
)
class CustomerOrderInput:
    field: CustomerSortField = strawberry.field(default=CustomerSortField.SCORE, description="The sort key.")
    direction: SortDirection = strawberry.field(default=SortDirection.DESC, description="ASC or DESC.")

    def to_core(self) -> CustomerOrder:
        return CustomerOrder(field=self.field, direction=self.direction)


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")


@strawberry.type(description="One customer in a page.")
class CustomerEdge:
    cursor: str = strawberry.field(
        description="Opaque position of this customer in this order of the listing."
    )
    node: CustomerRecord = strawberry.field(graphql_type=Customer, description="The customer.")


@strawberry.type(description="A page of customers in the order asked for.")
class CustomerConnection:
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    edges: list[CustomerEdge] = strawberry.field(description="The customers on this page.")
    engine: strawberry.Private[Engine]
    wanted: strawberry.Private[CustomerFilter]

    @strawberry.field(description="Customers the whole filtered listing holds; counted only when asked for.")
    async def total_count(self) -> int:
        return await call_core(customer_service.count_customers, engine=self.engine, wanted=self.wanted)

    @classmethod
    def from_page(
        cls, page: Page[CustomerRecord], *, engine: Engine, wanted: CustomerFilter
    ) -> CustomerConnection:
        """The API view of a core page."""
        return cls(
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            edges=[
                CustomerEdge(cursor=c, node=item) for item, c in zip(page.items, page.cursors, strict=True)
            ],
            engine=engine,
            wanted=wanted,
        )


@strawberry.type
class ListingQuery:
    @strawberry.field(
        description="Customers, filtered and ordered; by default highest churn risk first, unscored "
        "customers last (in every score order)."
    )
    async def customers(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="endCursor of the previous page, fetched with the same orderBy."),
        ] = None,
        offset: Annotated[
            int | None,
            strawberry.argument(
                description="Start at this position of the listing (0 is the first) instead of after a "
                "cursor: for jumping, e.g. a grid's scrollbar. It walks the order's index over the skipped "
                "customers, so page on with cursors. 0 to 10,000,000; not with `after`."
            ),
        ] = None,
        filter: Annotated[  # noqa: A002 - the argument's public name
            CustomerFilterInput | None, strawberry.argument(description="Which customers; all when left out.")
        ] = None,
        order_by: Annotated[
            CustomerOrderInput | None, strawberry.argument(description="The order; SCORE DESC when left out.")
        ] = None,
    ) -> CustomerConnection:
        engine = info.context.runtime.engine
        wanted = filter.to_core() if filter is not None else NO_FILTER
        order = order_by.to_core() if order_by is not None else DEFAULT_ORDER
        page = await call_core(
            customer_service.list_customers,
            engine=engine,
            first=first,
            after=after,
            wanted=wanted,
            order=order,
            offset=offset,
        )
        return CustomerConnection.from_page(page, engine=engine, wanted=wanted)
