"""The GraphQL API (Strawberry on Starlette) and the composition root that serves the dashboard too."""
