"""The GraphQL scalar each declared column kind maps to, shared by the output type and the input types."""

from __future__ import annotations

from retention.features import Column, Kind

# Flags are 0/1 in the export and the database; GraphQL speaks of them as Booleans both ways.
PYTHON_TYPES: dict[Kind, type] = {
    Kind.TEXT: str,
    Kind.CATEGORY: str,
    Kind.INT: int,
    Kind.FLOAT: float,
    Kind.FLAG: bool,
}


def python_type(column: Column) -> type:
    """The Python (and so GraphQL) type of a column's value, ignoring whether it may be null."""
    return PYTHON_TYPES[column.kind]
