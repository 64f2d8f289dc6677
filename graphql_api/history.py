"""A customer's risk over time: the riskHistory connection and the riskChange explanation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.context import Info
from graphql_api.dataloaders import ChangeKey, HistoryKey
from graphql_api.errors import coded_error
from graphql_api.risk import Risk, shown_value
from retention.errors import InvalidInput
from retention.records import Customer as CustomerRecord
from retention.risk_change import RiskChange as RiskChangeRecord
from retention.services import explanations as explain_service

if TYPE_CHECKING:
    # The listing imports the Customer type, which imports this module: PageInfo is resolved lazily.
    from graphql_api.listing import PageInfo


@strawberry.type(description="One snapshot in a customer's risk history.")
class RiskHistoryEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this snapshot.")
    node: Risk = strawberry.field(description="The risk as scored then, with its explanation.")


@strawberry.type(description="A page of a customer's risk snapshots, newest first.")
class RiskHistoryConnection:
    page_info: Annotated[PageInfo, strawberry.lazy("graphql_api.listing")] = strawberry.field(
        description="Pagination state."
    )
    edges: list[RiskHistoryEdge] = strawberry.field(description="The snapshots on this page, newest first.")


async def risk_history(
    root: CustomerRecord,
    info: Info,
    first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")] = 20,
    after: Annotated[
        str | None, strawberry.argument(description="endCursor (or an edge's cursor) of the previous page.")
    ] = None,
) -> RiskHistoryConnection:
    try:
        # Pure and cheap: checked on the loop rather than sent to a thread for each customer of a page.
        position = explain_service.history_position(first=first, after=after)
    except InvalidInput as exc:
        raise coded_error(exc.message, exc.code) from exc
    page = await info.context.loaders.history.load(HistoryKey(root.customer_id, first, position))
    from graphql_api.listing import PageInfo  # here, not at the top: see the TYPE_CHECKING import

    return RiskHistoryConnection(
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        edges=[
            RiskHistoryEdge(cursor=explain_service.cursor_for(item), node=Risk.explained_risk(item))
            for item in page.items
        ],
    )


@strawberry.type(description="One feature's part in a change of score.")
class RiskChangeDriver:
    feature: str = strawberry.field(description="The feature's column name, e.g. unresolved_tickets.")
    label: str = strawberry.field(description="Readable name, e.g. Unresolved tickets.")
    value_before: JSON | None = strawberry.field(
        description="The feature's value at the earlier snapshot (null if not kept)."
    )
    value_after: JSON | None = strawberry.field(
        description="The feature's value at the later snapshot (null if not kept)."
    )
    contribution: float = strawberry.field(
        description="Change in this feature's root-to-leaf path contribution (not a Shapley value), "
        "later minus earlier, in probability units."
    )


@strawberry.type(
    description="Why a score changed between two snapshots: delta = baseValueChange + Σ drivers.contribution."
)
class RiskChange:
    from_: Risk = strawberry.field(name="from", description="The earlier snapshot.")
    to: Risk = strawberry.field(description="The later snapshot (the latest).")
    delta: float = strawberry.field(description="to.probability − from.probability.")
    base_value_change: float = strawberry.field(
        description="Change in the model's base value: nonzero only when the model version changed."
    )
    drivers: list[RiskChangeDriver] = strawberry.field(
        description="Every feature's change in contribution, largest |change| first; with baseValueChange "
        "they add up to delta (to floating-point rounding)."
    )
    model_changed: bool = strawberry.field(
        description="True when the two snapshots come from different models."
    )

    @classmethod
    def from_record(cls, change: RiskChangeRecord) -> RiskChange:
        """The API view of a core change."""
        return cls(
            from_=Risk.explained_risk(change.before),
            to=Risk.explained_risk(change.after),
            delta=change.delta,
            base_value_change=change.base_value_change,
            drivers=[
                RiskChangeDriver(
                    feature=d.feature,
                    label=d.label,
                    value_before=shown_value(d.feature, d.value_before),
                    value_after=shown_value(d.feature, d.value_after),
                    contribution=d.contribution,
                )
                for d in change.drivers
            ],
            model_changed=change.model_changed,
        )


async def risk_change(
    root: CustomerRecord,
    info: Info,
    since: Annotated[
        datetime | None,
        strawberry.argument(
            description="Compare the latest score with the score as it stood at this moment (ISO 8601; "
            "UTC when no offset is given). Default: with the previous snapshot."
        ),
    ] = None,
) -> RiskChange | None:
    change = await info.context.loaders.change.load(ChangeKey(root.customer_id, since))
    return RiskChange.from_record(change) if change is not None else None
