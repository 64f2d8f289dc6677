"""The customer query: one customer by id."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.customer_type import Customer
from graphql_api.errors import call_core
from retention.records import Customer as CustomerRecord
from retention.services import customers as customer_service


@strawberry.type
class CustomerQuery:
    @strawberry.field(graphql_type=Customer, description="One customer by id; NOT_FOUND if there is none.")
    async def customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's id, e.g. CUST0001.")],
    ) -> CustomerRecord:
        return await call_core(
            customer_service.get_customer, engine=info.context.runtime.engine, customer_id=str(id)
        )
