"""Model versions: train one from the database, list them, activate one."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from retention.errors import InvalidInput
from retention.features import FEATURE_NAMES
from retention.ml.artifacts import Manifest, VersionRecord, check_version_name, save_artifact, scan_versions
from retention.ml.forest_parts import ForestParts
from retention.ml.matrix import matrix_from_tuples
from retention.ml.registry import LoadedModel, ModelRegistry
from retention.ml.search import SearchSpace
from retention.ml.training import TrainingData, train_model
from retention.records import Driver
from retention.risk import RiskPolicy
from retention.storage import customers as customer_store
from retention.storage import models as model_store
from retention.storage.customers import now_utc


@dataclass(frozen=True)
class TrainedVersion:
    """A version just written to the model folder, and whether it became the active one."""

    manifest: Manifest
    activated: bool


@dataclass(frozen=True)
class VersionInfo:
    """A version in the model folder: its manifest (or why it is unreadable), active, recorded here."""

    version: str
    manifest: Manifest | None
    problem: str | None
    active: bool
    recorded: bool


def load_training_data(*, engine: Engine, truth: Mapping[str, float] | None = None) -> TrainingData:
    """Every labelled customer's features, streamed from storage; true probabilities aligned if given."""
    rows: list[tuple[object, ...]] = []
    labels: list[int] = []
    ids: list[str] = []
    with engine.connect() as connection:
        for chunk in customer_store.iter_model_rows(
            connection, columns=[*FEATURE_NAMES, "churn"], chunk_size=20000
        ):
            for row in chunk:
                values = tuple(row)
                if values[-1] is not None:
                    ids.append(values[1])
                    rows.append(values[2:-1])
                    labels.append(int(values[-1]))
    true_probability = None
    if truth is not None:
        missing = sum(1 for customer_id in ids if customer_id not in truth)
        if missing:
            raise InvalidInput(
                f"the truth file has no probability for {missing:,} of {len(ids):,} labelled customers"
            )
        true_probability = np.array([truth[customer_id] for customer_id in ids], dtype=np.float64)
    return TrainingData(
        matrix=matrix_from_tuples(rows),
        labels=np.asarray(labels, dtype=np.int_),
        true_probability=true_probability,
    )


def train_version(
    *,
    engine: Engine,
    model_dir: Path,
    policy: RiskPolicy,
    space: SearchSpace | None = None,
    truth: Mapping[str, float] | None = None,
    activate: bool = False,
    progress: bool | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> TrainedVersion:
    """Train on every labelled customer and save a new version.

    The new version becomes active when asked to, or when no version is active yet: a worse model
    never silently replaces a good one.
    """
    data = load_training_data(engine=engine, truth=truth)
    outcome = train_model(data, policy=policy, space=space, progress=progress, on_progress=on_progress)
    base_value = _base_value(ForestParts.of(outcome.pipeline))
    manifest = save_artifact(model_dir, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    record = VersionRecord(
        version=manifest.version,
        sha256=manifest.sha256,
        onnx_sha256=manifest.onnx_sha256,
        base_value=base_value,
        features=tuple(manifest.features),
    )
    try:
        # The digests are taken from what this process wrote, never read back from the folder.
        with engine.begin() as connection:
            model_store.record_version(connection, record, now=now_utc())
            should_activate = activate or model_store.active_version(connection) is None
            if should_activate:
                model_store.record_activation(connection, model_version=manifest.version, now=now_utc())
    except BaseException:
        # A version without its record can never be loaded: leave no such folder behind.
        shutil.rmtree(model_dir / manifest.version, ignore_errors=True)
        raise
    return TrainedVersion(manifest=manifest, activated=should_activate)


def _base_value(parts: ForestParts) -> float:
    # The explainer's base value (the forest's mean root rate, calibrated) without building its tables,
    # which on a 200-tree forest cost far more than this; a test holds the two equal.
    raw = float(np.mean([tree.tree_.value[0, 0, 1] for tree in parts.forest.estimators_]))
    return float(parts.calibrate(np.array([raw]))[0])


def open_version(*, engine: Engine, registry: ModelRegistry, version: str) -> LoadedModel:
    """The model for `version`, its files verified against this database's record of it."""
    check_version_name(version)
    with engine.connect() as connection:
        record = model_store.version_record(connection, version)
    return registry.load(version, record)


def activate_version(*, engine: Engine, registry: ModelRegistry, version: str) -> Manifest:
    """Make `version` active for every process sharing the database, after checking it loads."""
    model = open_version(engine=engine, registry=registry, version=version)
    with engine.begin() as connection:
        model_store.record_activation(connection, model_version=version, now=now_utc())
    return model.manifest


def list_versions(*, engine: Engine, model_dir: Path) -> list[VersionInfo]:
    """Every version folder, newest first, the active one marked; unreadable manifests say why."""
    with engine.connect() as connection:
        active = model_store.active_version(connection)
        recorded = model_store.recorded_versions(connection)
    return [
        VersionInfo(
            version=found.version,
            manifest=found.manifest,
            problem=found.problem,
            active=found.version == active,
            recorded=found.version in recorded,
        )
        for found in scan_versions(model_dir)
    ]


def global_drivers(manifest: Manifest, *, limit: int) -> list[Driver]:
    """The model's global churn drivers, most important first."""
    return manifest.driver_records()[:limit]
