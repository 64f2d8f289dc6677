"""The Customer type (fields generated from the declared schema) and the customer queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

import strawberry
from strawberry.tools import create_type
from strawberry.types.field import StrawberryField

from graphql_api.context import Info
from graphql_api.errors import call_core
from graphql_api.risk import RiskScore
from retention import features
from retention.features import Kind
from retention.records import Customer as CustomerRecord
from retention.records import Page
from retention.services import customers as customer_service

_PYTHON_TYPES: dict[Kind, type] = {
    Kind.TEXT: str,
    Kind.CATEGORY: str,
    Kind.INT: int,
    Kind.FLOAT: float,
    Kind.FLAG: bool,
}


def _profile_field(column: features.Column) -> StrawberryField:
    def resolve(root: CustomerRecord) -> Any:
        value = root.profile[column.name]
        return bool(value) if column.kind is Kind.FLAG and value is not None else value

    python_type = _PYTHON_TYPES[column.kind]
    resolve.__name__ = column.name
    resolve.__annotations__ = {
        "root": CustomerRecord,
        "return": python_type if column.required else python_type | None,
    }
    return cast(StrawberryField, strawberry.field(resolver=resolve, description=column.description))


def _id(root: CustomerRecord) -> strawberry.ID:
    return strawberry.ID(root.customer_id)


def _risk(root: CustomerRecord) -> RiskScore | None:
    return RiskScore.from_record(root.risk) if root.risk else None


Customer = create_type(
    "Customer",
    [
        cast(StrawberryField, strawberry.field(resolver=_id, name="id", description="The customer's id.")),
        *(_profile_field(column) for column in features.PROFILE_COLUMNS),
        cast(
            StrawberryField,
            strawberry.field(resolver=_risk, name="risk", description="Latest risk; null until scored."),
        ),
    ],
    description="A customer profile as imported, with its latest churn risk.",
)


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
class CustomerQuery:
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

    @strawberry.field(graphql_type=Customer, description="One customer by id; NOT_FOUND if there is none.")
    async def customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's id, e.g. CUST0001.")],
    ) -> CustomerRecord:
        return await call_core(
            customer_service.get_customer, engine=info.context.runtime.engine, customer_id=str(id)
        )
