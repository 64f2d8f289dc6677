"""Use cases: each opens its own transaction and returns records."""
