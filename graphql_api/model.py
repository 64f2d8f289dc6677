"""What the active model says globally: the churnDrivers query."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.errors import call_core, coded_error
from retention.records import Driver
from retention.services import models as model_service

MAX_DRIVERS = 50


@strawberry.type(description="A global churn driver of the active model.")
class ChurnDriver:
    feature: str = strawberry.field(description="Column name, e.g. last_login_days.")
    label: str = strawberry.field(description="Readable name, e.g. Days since last login.")
    importance: float = strawberry.field(
        description="Mean drop in held-out ROC AUC when this feature is shuffled (permutation importance)."
    )


@strawberry.type
class ModelQuery:
    @strawberry.field(description="The active model's global churn drivers, most important first.")
    async def churn_drivers(
        self,
        info: Info,
        limit: Annotated[int, strawberry.argument(description=f"How many drivers, 1 to {MAX_DRIVERS}.")] = 10,
    ) -> list[ChurnDriver]:
        if not 1 <= limit <= MAX_DRIVERS:
            raise coded_error(f"limit must be between 1 and {MAX_DRIVERS} (got {limit})", "BAD_USER_INPUT")
        runtime = info.context.runtime
        model = await call_core(runtime.active_model)
        drivers: list[Driver] = model_service.global_drivers(model.manifest, limit=limit)
        return [ChurnDriver(feature=d.feature, label=d.label, importance=d.importance) for d in drivers]
