"""The declared customer schema as a query: what a client needs to build a form or read an export."""

from __future__ import annotations

import strawberry
from strawberry.utils.str_converters import to_camel_case

from retention import features
from retention.features import Kind, Role


@strawberry.type(description="One declared customer column: how it is named, typed, bounded and used.")
class Feature:
    name: str = strawberry.field(
        description="The field name in GraphQL (Customer, CustomerInput, CustomerProfileInput), e.g. "
        "tenureMonths."
    )
    column: str = strawberry.field(description="The column name in the CSV export and the database.")
    label: str = strawberry.field(description="A short human label, e.g. Tenure.")
    description: str = strawberry.field(description="What the value means.")
    kind: Kind = strawberry.field(description="How the value is typed.")
    role: Role = strawberry.field(description="What the column is for; only FEATURE columns reach the model.")
    model_input: bool = strawberry.field(description="True when the model scores on this column.")
    required: bool = strawberry.field(description="False when an import or upsert may leave it empty.")
    unit: str | None = strawberry.field(description="Unit of a number, e.g. months; null when it has none.")
    minimum: float | None = strawberry.field(description="Smallest accepted value of a number.")
    maximum: float | None = strawberry.field(description="Largest accepted value of a number.")
    max_length: int | None = strawberry.field(description="Longest accepted text, in characters.")
    categories: list[str] = strawberry.field(
        description="The accepted values of a CATEGORY column, in the model's order; empty otherwise."
    )

    @classmethod
    def of(cls, column: features.Column) -> Feature:
        return cls(
            name=to_camel_case(column.name),
            column=column.name,
            label=column.label,
            description=column.description,
            kind=column.kind,
            role=column.role,
            model_input=column.role is Role.FEATURE,
            required=column.required,
            unit=column.unit,
            minimum=column.minimum if column.is_numeric else None,
            maximum=column.maximum if column.is_numeric else None,
            max_length=column.max_length,
            categories=list(column.categories),
        )


@strawberry.type
class FeatureQuery:
    @strawberry.field(description="Every declared customer column, in the export's order.")
    def features(self) -> list[Feature]:
        return [Feature.of(column) for column in features.COLUMNS]
