"""The models: the served version in full (model), every version (models), global drivers (churnDrivers)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from graphql_api.context import Info
from graphql_api.errors import call_core, coded_error, public_message
from graphql_api.model_report import ModelMetrics, ModelParameter, metrics_of, parameters_of
from retention import features
from retention.features import Kind
from retention.ml.artifacts import Manifest
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


@strawberry.type(description="A model version: what it is and how it did on held-out customers.")
class ModelVersion:
    version: str = strawberry.field(description="Version id, e.g. 20261127T204500Z-1a2b3c4d.")
    created_at: str = strawberry.field(description="When it was trained (ISO 8601, UTC).")
    training_rows: int = strawberry.field(description="Customers it was trained on.")
    test_rows: int = strawberry.field(description="Held-out customers it was evaluated on.")
    roc_auc: float = strawberry.field(description="Held-out ROC AUC.")
    pr_auc: float = strawberry.field(description="Held-out PR AUC (average precision).")
    brier: float = strawberry.field(description="Held-out Brier score (lower is better).")
    calibrated: bool = strawberry.field(description="True when a sigmoid calibration sits on the forest.")
    features: list[str] = strawberry.field(description="Its input columns, in the model's order.")
    parameters: list[ModelParameter] = strawberry.field(
        description="The forest's parameters the search chose on the training rows, and the calibration."
    )
    search_method: str = strawberry.field(
        description="How the parameters were chosen, e.g. out-of-bag Brier."
    )
    training_seconds: float = strawberry.field(description="Search, fit and calibration time.")
    metrics: ModelMetrics = strawberry.field(
        description="The forest on the held-out customers: metrics, ROC and PR points, reliability bins, "
        "confusion at the tier thresholds."
    )
    baseline: ModelMetrics | None = strawberry.field(
        description="A logistic regression trained and evaluated on the same split, for comparison."
    )
    typical_profile: JSON | None = strawberry.field(
        description="A typical training customer, ready to send as a CustomerProfileInput: each numeric "
        "feature's median, each flag's and category's most common value, by field name (camelCase). Null "
        "for a version trained before it was kept."
    )


@strawberry.type
class ActiveModelQuery:
    @strawberry.field(
        description="The model version this server is serving; MODEL_NOT_READY before the first."
    )
    async def model(self, info: Info) -> ModelVersion:
        manifest = (await call_core(info.context.runtime.active_model)).manifest
        return _version_of(manifest)

    @strawberry.field(description="Every version in the model folder, newest first, the active one marked.")
    async def models(self, info: Info) -> list[ModelListing]:
        runtime = info.context.runtime
        found = await call_core(
            model_service.list_versions, engine=runtime.engine, model_dir=runtime.settings.model_dir
        )
        return [
            ModelListing(
                version=entry.version,
                active=entry.active,
                recorded=entry.recorded,
                problem=public_message(entry.problem) if entry.problem else None,
                details=_version_of(entry.manifest) if entry.manifest is not None else None,
            )
            for entry in found
        ]


@strawberry.type(description="One version in the model folder.")
class ModelListing:
    version: str = strawberry.field(description="Version id (its folder's name).")
    active: bool = strawberry.field(description="True for the version stored scores and the server follow.")
    recorded: bool = strawberry.field(
        description="True when this database recorded the version's digests at training; only such a "
        "version can be activated."
    )
    problem: str | None = strawberry.field(description="Why the manifest cannot be read; null when it can.")
    details: ModelVersion | None = strawberry.field(
        description="The manifest's figures; null with a problem."
    )


def _version_of(manifest: Manifest) -> ModelVersion:
    metrics = manifest.metrics
    return ModelVersion(
        version=manifest.version,
        created_at=manifest.created_at,
        training_rows=manifest.training_rows,
        test_rows=manifest.test_rows,
        roc_auc=metrics["roc_auc"],
        pr_auc=metrics["pr_auc"],
        brier=metrics["brier"],
        calibrated=manifest.params.get("calibration") is not None,
        features=list(manifest.features),
        parameters=parameters_of(manifest.params),
        search_method=str(manifest.search.get("method", "")),
        training_seconds=manifest.training_seconds,
        metrics=metrics_of(metrics),
        baseline=metrics_of(manifest.baseline_metrics) if manifest.baseline_metrics else None,
        typical_profile=_typical(manifest.typical_profile),
    )


def _typical(profile: dict[str, Any]) -> JSON | None:
    if not profile:
        return None
    flags = {column.name for column in features.FEATURES if column.kind is Kind.FLAG}
    return JSON(
        {to_camel_case(name): bool(value) if name in flags else value for name, value in profile.items()}
    )
