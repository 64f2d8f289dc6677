"""The dashboard's only way to data: GraphQL documents sent through one client."""

from dash_ui.api.client import ApiError, GraphQLClient, Transport

__all__ = ["ApiError", "GraphQLClient", "Transport"]
