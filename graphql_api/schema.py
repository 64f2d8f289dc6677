"""The schema: per-domain query classes composed at one root, plus the protective extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from graphql_api.analytics import AnalyticsQuery
from graphql_api.customers import CustomerQuery
from graphql_api.enums import describe_core_enums
from graphql_api.errors import MaskUnexpectedErrors
from graphql_api.features import FeatureQuery
from graphql_api.jobs import JobMutation, JobQuery
from graphql_api.limits import DocumentGate, PreparedDocuments
from graphql_api.listing import ListingQuery
from graphql_api.model import ActiveModelQuery, ModelQuery
from graphql_api.risk import RiskQuery
from graphql_api.whatif import WhatIfQuery
from graphql_api.writes import CustomerMutation


@strawberry.type(description="Every query: customers, risk, analytics and the model.")
class Query(
    CustomerQuery,
    ListingQuery,
    FeatureQuery,
    RiskQuery,
    AnalyticsQuery,
    ModelQuery,
    ActiveModelQuery,
    WhatIfQuery,
    JobQuery,
):
    """Every query, composed from the per-domain classes."""


@strawberry.type(description="Every mutation: customer writes (write scope), model changes and jobs (admin).")
class Mutation(CustomerMutation, JobMutation):
    """Every mutation, composed from the per-domain classes."""


class RetentionSchema(strawberry.Schema):
    """Strawberry's schema, minus its habit of logging every error with a traceback."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Coded errors are answers to the client, not faults; MaskUnexpectedErrors logs the real faults.
        return None


def build_schema() -> strawberry.Schema:
    """The Retention GraphQL schema, with its own cache of prepared documents."""
    describe_core_enums()
    documents = PreparedDocuments()
    return RetentionSchema(
        query=Query,
        mutation=Mutation,
        # Factories, so each request gets its own extension instances around the one shared cache.
        extensions=[MaskUnexpectedErrors, lambda: DocumentGate(documents)],
    )
