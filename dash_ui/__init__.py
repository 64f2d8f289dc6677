"""The Retention dashboard: Dash pages that draw what the GraphQL API answers."""
