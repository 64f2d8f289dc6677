"""A model version on disk: saved once, verified before every load, loaded once per process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retention.errors import ModelIntegrityError, NotFound
from retention.features import FEATURE_NAMES
from retention.ml.artifacts import ARTIFACT_NAME, MANIFEST_NAME, list_manifests, read_manifest, save_artifact
from retention.ml.registry import ModelRegistry
from retention.ml.training import TrainingOutcome, train_model
from tests.factories import POLICY, SMALL_SEARCH, training_data, training_set


@pytest.fixture(scope="module")
def outcome() -> TrainingOutcome:
    return train_model(training_data(1500), policy=POLICY, space=SMALL_SEARCH, progress=False)


def test_model_sees_only_declared_features_never_ids_label_or_legacy_score(outcome: TrainingOutcome) -> None:
    assert outcome.manifest.features == list(FEATURE_NAMES)
    for column in ("customer_id", "name", "email", "churn", "health_score"):
        assert column not in outcome.manifest.features
        assert column in outcome.manifest.excluded_columns


def test_held_out_metrics_and_permutation_drivers_are_in_the_manifest(outcome: TrainingOutcome) -> None:
    metrics = outcome.manifest.metrics
    assert 0.5 < metrics["roc_auc"] <= 1.0
    assert 0.0 < metrics["brier"] < 0.25
    assert outcome.manifest.test_rows == 450
    importances = [d["importance"] for d in outcome.manifest.drivers]
    assert importances == sorted(importances, reverse=True)
    assert {d["feature"] for d in outcome.manifest.drivers} == set(FEATURE_NAMES)


def test_saved_model_loads_and_predicts_exactly_as_before_saving(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    matrix, _ = training_set(200, seed=99)

    loaded = ModelRegistry(tmp_path).load(manifest.version)

    assert loaded.version == manifest.version
    np.testing.assert_allclose(
        loaded.churn_probability(matrix), outcome.pipeline.predict_proba(matrix)[:, 1], atol=1e-5, rtol=0
    )
    assert [m.version for m in list_manifests(tmp_path)] == [manifest.version]


def test_tampered_artifact_is_refused_naming_the_checksum(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    artifact = tmp_path / manifest.version / ARTIFACT_NAME
    artifact.write_bytes(artifact.read_bytes() + b"tampered")

    with pytest.raises(ModelIntegrityError, match="sha256"):
        ModelRegistry(tmp_path).load(manifest.version)


def test_artifact_built_with_other_library_versions_is_refused(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    manifest_path = tmp_path / manifest.version / MANIFEST_NAME
    data = json.loads(manifest_path.read_text())
    data["libraries"]["scikit-learn"] = "0.24.2"
    manifest_path.write_text(json.dumps(data))

    with pytest.raises(ModelIntegrityError, match="scikit-learn 0.24.2"):
        ModelRegistry(tmp_path).load(manifest.version)


def test_registry_opens_each_version_once(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    registry = ModelRegistry(tmp_path)

    assert registry.load(manifest.version) is registry.load(manifest.version)


def test_unknown_or_malformed_version_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_manifest(tmp_path, "20260101T000000Z-deadbeef")
    with pytest.raises(NotFound):
        read_manifest(tmp_path, "../../etc/passwd")
