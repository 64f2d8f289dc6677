"""Customer mutations: upsertCustomers (checked whole, stored and rescored in one transaction) and
deleteCustomer. Both need the write scope."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.utils.str_converters import to_camel_case

from graphql_api.context import Info
from graphql_api.customer_type import Customer
from graphql_api.errors import call_core
from graphql_api.inputs import CustomerInput, customer_values
from graphql_api.permissions import NeedsWrite
from retention.errors import ModelNotReady
from retention.ml.registry import LoadedModel
from retention.records import Customer as CustomerRecord
from retention.runtime import Runtime
from retention.services import writes


@strawberry.type(description="One value of one customer that refused the whole batch.")
class CustomerInputError:
    index: int = strawberry.field(description="The customer's position in the `customers` list, from 0.")
    field: str = strawberry.field(description="The CustomerInput field at fault, e.g. monthlyCharges.")
    code: str = strawberry.field(
        description="REQUIRED (no value for a required field), INVALID_VALUE (breaks the field's rule) "
        "or DUPLICATE_ID (a customerId that an earlier customer of the batch has)."
    )
    message: str = strawberry.field(description="The value and the rule it breaks, for a person.")


@strawberry.type(description="What upsertCustomers did: every customer written and rescored, or nothing.")
class UpsertCustomersPayload:
    upserted: int = strawberry.field(
        description="Customers written: all of them, or 0 when errors is not empty."
    )
    customers: list[CustomerRecord] = strawberry.field(
        graphql_type=list[Customer],  # type: ignore[valid-type]
        description="The written customers in input order, each with its new risk (null when no model "
        "is served yet: they are scored by the next rescore).",
    )
    errors: list[CustomerInputError] = strawberry.field(
        description="Every problem found; when there is any, nothing was written."
    )


@strawberry.type(description="What deleteCustomer did.")
class DeleteCustomerPayload:
    customer_id: strawberry.ID = strawberry.field(description="The id of the deleted customer.")
    deleted: bool = strawberry.field(description="True: the customer and its whole risk history are gone.")


def _served_model(runtime: Runtime) -> LoadedModel | None:
    try:
        return runtime.active_model()
    except ModelNotReady:
        return None


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(
        permission_classes=[NeedsWrite],
        description=f"Insert or update up to {writes.MAX_UPSERT:,} customers by customerId, all or nothing. "
        "Every value is checked by the importer's rules first; any problem refuses the whole batch (see "
        "errors) and writes nothing. Otherwise the profiles are stored and every written customer is "
        "rescored with the served model in the same transaction (a new snapshot in its history). "
        "Send the list as a variable: a document is limited to 2,000 tokens. Needs the write scope.",
    )
    async def upsert_customers(
        self,
        info: Info,
        customers: Annotated[
            list[CustomerInput],  # type: ignore[valid-type]
            strawberry.argument(description=f"The customers, at most {writes.MAX_UPSERT:,}."),
        ],
    ) -> UpsertCustomersPayload:
        runtime = info.context.runtime
        rows = [customer_values(customer) for customer in customers]
        outcome = await call_core(
            writes.upsert_customers,
            engine=runtime.engine,
            model=_served_model(runtime),
            policy=runtime.policy,
            rows=rows,
        )
        written: list[CustomerRecord] = list(outcome.customers)
        return UpsertCustomersPayload(
            upserted=len(written),
            customers=written,
            errors=[
                CustomerInputError(
                    index=p.index, field=to_camel_case(p.column), code=p.code, message=p.message
                )
                for p in outcome.problems
            ],
        )

    @strawberry.mutation(
        permission_classes=[NeedsWrite],
        description="Delete one customer and its whole risk history; NOT_FOUND for an unknown id. "
        "Needs the write scope.",
    )
    async def delete_customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's id, e.g. CUST0001.")],
    ) -> DeleteCustomerPayload:
        await call_core(writes.delete_customer, engine=info.context.runtime.engine, customer_id=str(id))
        return DeleteCustomerPayload(customer_id=id, deleted=True)
