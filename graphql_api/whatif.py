"""What-ifs on the active model: scoreProfile, and each customer's recommendedActions."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.utils.str_converters import to_camel_case

from graphql_api.context import Info
from graphql_api.errors import call_core
from graphql_api.inputs import CustomerProfileInput, profile_values
from graphql_api.risk import Risk
from retention.records import Customer as CustomerRecord
from retention.services import whatif

ASSOCIATION_NOTE = (
    "A model association, not a promised effect: it is what the active model predicts for the changed "
    "profile, learnt from customers as they were, not from an experiment."
)


@strawberry.type(description=f"A retention action scored as a what-if for one customer. {ASSOCIATION_NOTE}")
class RecommendedAction:
    action: str = strawberry.field(
        description="The action's code, e.g. RESOLVE_OPEN_TICKETS (declared in retention/actions.py)."
    )
    description: str = strawberry.field(description="What the action is and which features it changes.")
    new_probability: float = strawberry.field(
        description=f"The active model's churn probability for the profile with the action taken. "
        f"{ASSOCIATION_NOTE}"
    )
    risk_reduction: float = strawberry.field(
        description="The active model's probability for the profile as it is, minus newProbability "
        "(negative when the model associates the change with more risk)."
    )
    expected_revenue_saved: float = strawberry.field(
        description="riskReduction × monthly charges × RETENTION_ACTION_HORIZON_MONTHS − the action's cost "
        "over that horizon; the ranking key. An estimate from model associations, not a promise."
    )


async def recommended_actions(root: CustomerRecord, info: Info) -> list[RecommendedAction]:
    scored = await info.context.loaders.actions.load(root)
    return [
        RecommendedAction(
            action=s.action.name,
            description=s.action.description,
            new_probability=s.new_probability,
            risk_reduction=s.risk_reduction,
            expected_revenue_saved=s.expected_revenue_saved,
        )
        for s in scored
    ]


@strawberry.type
class WhatIfQuery:
    @strawberry.field(
        description="Score an unsaved profile with the active model, explained like a stored score "
        "(customerId is null; scoredAt is now). A profile equal to a stored customer's gets that "
        "customer's probability when the same model scored it. Values follow the importer's rules "
        "(BAD_USER_INPUT naming the field); MODEL_NOT_READY before a model is active."
    )
    async def score_profile(
        self,
        info: Info,
        profile: Annotated[
            CustomerProfileInput,  # type: ignore[valid-type]
            strawberry.argument(description="The model's inputs, in camelCase as on Customer."),
        ],
    ) -> Risk:
        runtime = info.context.runtime
        try:
            checked = whatif.checked_profile(profile_values(profile))
        except whatif.InvalidProfileValue as exc:
            raise _named(exc) from exc
        model = await call_core(runtime.active_model)
        (risk,) = await call_core(
            whatif.score_profiles, model=model, policy=runtime.policy, profiles=[checked]
        )
        return Risk.explained_risk(risk)


def _named(exc: whatif.InvalidProfileValue) -> GraphQLError:
    # The core names the feature; a client knows it by the input field's camelCase name.
    field = f"profile.{to_camel_case(exc.column)}"
    return GraphQLError(
        f"{field}: {exc.value!r} {exc.reason}", extensions={"code": "BAD_USER_INPUT", "field": field}
    )
