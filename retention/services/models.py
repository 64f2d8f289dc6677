"""Model versions: train one from the database, list them, activate one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from retention.features import FEATURE_NAMES
from retention.ml.artifacts import Manifest, list_manifests, save_artifact
from retention.ml.matrix import matrix_from_tuples
from retention.ml.pipeline import ForestParams
from retention.ml.registry import ModelRegistry
from retention.ml.training import train_forest
from retention.records import Driver
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
    """A version in the model folder and whether it is the active one."""

    manifest: Manifest
    active: bool


def train_version(
    *, engine: Engine, model_dir: Path, params: ForestParams | None = None, activate: bool = False
) -> TrainedVersion:
    """Train on every labelled customer and save a new version.

    The new version becomes active when asked to, or when no version is active yet: a worse model
    never silently replaces a good one.
    """
    features: list[tuple[object, ...]] = []
    labels: list[int] = []
    with engine.connect() as connection:
        for rows in customer_store.iter_model_rows(
            connection, columns=[*FEATURE_NAMES, "churn"], chunk_size=20000
        ):
            for row in rows:
                if row[-1] is not None:
                    features.append(tuple(row[2:-1]))
                    labels.append(int(row[-1]))
    outcome = train_forest(matrix_from_tuples(features), np.asarray(labels, dtype=np.int_), params=params)
    manifest = save_artifact(model_dir, outcome.pipeline, outcome.manifest)
    with engine.begin() as connection:
        should_activate = activate or model_store.active_version(connection) is None
        if should_activate:
            model_store.record_activation(connection, model_version=manifest.version, now=now_utc())
    return TrainedVersion(manifest=manifest, activated=should_activate)


def activate_version(*, engine: Engine, registry: ModelRegistry, version: str) -> Manifest:
    """Make `version` active for every process sharing the database, after checking it loads."""
    model = registry.load(version)
    with engine.begin() as connection:
        model_store.record_activation(connection, model_version=version, now=now_utc())
    return model.manifest


def list_versions(*, engine: Engine, model_dir: Path) -> list[VersionInfo]:
    """Every saved version, newest first, with the active one marked."""
    with engine.connect() as connection:
        active = model_store.active_version(connection)
    return [VersionInfo(manifest=m, active=m.version == active) for m in list_manifests(model_dir)]


def global_drivers(manifest: Manifest, *, limit: int) -> list[Driver]:
    """The model's global churn drivers, most important first."""
    return manifest.driver_records()[:limit]
