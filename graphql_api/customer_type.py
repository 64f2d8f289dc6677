"""The Customer type: one field per declared profile column, plus what the model says about the customer."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.tools import create_type
from strawberry.types.field import StrawberryField

from graphql_api.feature_types import python_type
from graphql_api.history import risk_change, risk_history
from graphql_api.risk import Risk
from graphql_api.whatif import recommended_actions
from retention import features
from retention.features import Kind
from retention.records import Customer as CustomerRecord


def _profile_field(column: features.Column) -> StrawberryField:
    def resolve(root: CustomerRecord) -> Any:
        value = root.profile[column.name]
        return bool(value) if column.kind is Kind.FLAG and value is not None else value

    kind = python_type(column)
    resolve.__name__ = column.name
    resolve.__annotations__ = {
        "root": CustomerRecord,
        "return": kind if column.required else kind | None,
    }
    return cast(StrawberryField, strawberry.field(resolver=resolve, description=column.description))


def _id(root: CustomerRecord) -> strawberry.ID:
    return strawberry.ID(root.customer_id)


def _risk(root: CustomerRecord) -> Risk | None:
    return Risk.of(root.risk) if root.risk else None


def _expected_loss(root: CustomerRecord) -> float | None:
    return root.expected_loss


Customer = create_type(
    "Customer",
    [
        cast(StrawberryField, strawberry.field(resolver=_id, name="id", description="The customer's id.")),
        *(_profile_field(column) for column in features.PROFILE_COLUMNS),
        cast(
            StrawberryField,
            strawberry.field(resolver=_risk, name="risk", description="Latest risk; null until scored."),
        ),
        cast(
            StrawberryField,
            strawberry.field(
                resolver=_expected_loss,
                name="expectedLoss",
                description="Monthly revenue at stake: the latest churn probability × monthly charges, the "
                "value the EXPECTED_LOSS order sorts by; null until scored.",
            ),
        ),
        cast(
            StrawberryField,
            strawberry.field(
                resolver=risk_history,
                name="riskHistory",
                description="Every stored score of this customer, newest first, each with its explanation.",
            ),
        ),
        cast(
            StrawberryField,
            strawberry.field(
                resolver=risk_change,
                name="riskChange",
                description="Why the latest score differs from an earlier one, feature by feature; null with "
                "fewer than two snapshots.",
            ),
        ),
        cast(
            StrawberryField,
            strawberry.field(
                resolver=recommended_actions,
                name="recommendedActions",
                description="Each declared retention action that would change this profile, scored as a "
                "what-if on the active model, best expected revenue saved first. Model associations, not "
                "promised effects.",
            ),
        ),
    ],
    description="A customer profile as imported, with its latest churn risk.",
)
