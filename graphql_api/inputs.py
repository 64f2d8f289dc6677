"""Input types generated from the declared feature schema: a whole customer, or a profile to score."""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any

import strawberry

from graphql_api.feature_types import python_type
from retention import features
from retention.features import Column, Kind


def _input_type(name: str, columns: Iterable[Column], description: str) -> type:
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for column in columns:
        kind = python_type(column)
        text = column.description + (f" Unit: {column.unit}." if column.unit else "")
        if column.required:
            annotations[column.name] = kind
            namespace[column.name] = strawberry.field(description=text)
        else:
            annotations[column.name] = kind | None
            namespace[column.name] = strawberry.field(description=text + " Optional.", default=None)
    namespace["__annotations__"] = annotations
    cls = types.new_class(name, (), {}, lambda ns: ns.update(namespace))
    return strawberry.input(cls, description=description)


CustomerInput = _input_type(
    "CustomerInput",
    features.COLUMNS,
    "A customer as the import file holds it: the 18 export columns in camelCase. `churn` and "
    "`healthScore` are optional; every value is checked by the importer's rules.",
)

CustomerProfileInput = _input_type(
    "CustomerProfileInput",
    features.FEATURES,
    "The model's inputs for one customer that need not exist: what a what-if is scored on.",
)


def column_values(data: Any, columns: Iterable[Column]) -> dict[str, object]:
    """An input object's values by column name, flags as 0/1 the way the importer and storage hold them."""
    values: dict[str, object] = {}
    for column in columns:
        value = getattr(data, column.name)
        values[column.name] = int(value) if column.kind is Kind.FLAG and isinstance(value, bool) else value
    return values


def customer_values(data: Any) -> dict[str, object]:
    """A CustomerInput's values by column name."""
    return column_values(data, features.COLUMNS)


def profile_values(data: Any) -> Mapping[str, object]:
    """A CustomerProfileInput's values by feature name."""
    return column_values(data, features.FEATURES)
