"""A model version on disk: saved once, checked against the digests of record before anything opens it."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from retention.errors import ModelIntegrityError, NotFound
from retention.features import FEATURE_NAMES
from retention.ml import registry
from retention.ml.artifacts import (
    ARTIFACT_NAME,
    MANIFEST_NAME,
    ONNX_NAME,
    Manifest,
    VersionRecord,
    list_manifests,
    read_manifest,
    save_artifact,
    scan_versions,
    sha256_of,
)
from retention.ml.registry import ModelRegistry
from retention.ml.training import TrainingOutcome, train_model
from tests.factories import POLICY, SMALL_SEARCH, training_data, training_set


@pytest.fixture(scope="module")
def outcome() -> TrainingOutcome:
    return train_model(training_data(1500), policy=POLICY, space=SMALL_SEARCH, progress=False)


def _record(manifest: Manifest) -> VersionRecord:
    # What train_version writes to the database: the digests of the files this process just saved.
    return VersionRecord(
        version=manifest.version,
        sha256=manifest.sha256,
        onnx_sha256=manifest.onnx_sha256,
        base_value=0.0,
        features=tuple(manifest.features),
    )


class _WritesMarker:
    """Unpickling this writes a file: proof that a pickle's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))  # opening for writing creates the marker


def _rewrite_manifest(folder: Path, **changes: object) -> None:
    path = folder / MANIFEST_NAME
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


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

    loaded = ModelRegistry(tmp_path).load(manifest.version, _record(manifest))

    assert loaded.version == manifest.version
    np.testing.assert_allclose(
        loaded.churn_probability(matrix), outcome.pipeline.predict_proba(matrix)[:, 1], atol=1e-5, rtol=0
    )
    assert [m.version for m in list_manifests(tmp_path)] == [manifest.version]


def test_a_loaded_model_builds_its_onnx_session_and_explainer_only_when_first_used(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    matrix, _ = training_set(5, seed=3)

    loaded = ModelRegistry(tmp_path).load(manifest.version, _record(manifest))
    assert loaded.built == (False, False)
    loaded.churn_probability(matrix)
    assert loaded.built == (True, False)
    loaded.explain(matrix)
    assert loaded.built == (True, True)


def test_a_graph_changed_after_loading_is_refused_at_first_use_and_not_read_again(
    outcome: TrainingOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    loaded = ModelRegistry(tmp_path).load(manifest.version, _record(manifest))
    graph = tmp_path / manifest.version / ONNX_NAME
    graph.write_bytes(graph.read_bytes() + b"tampered")
    reads: list[str] = []
    real = registry.load_onnx_graph
    monkeypatch.setattr(registry, "load_onnx_graph", lambda *args: reads.append("graph") or real(*args))
    matrix, _ = training_set(3, seed=5)

    for _ in range(3):
        with pytest.raises(ModelIntegrityError, match="model.onnx sha256"):
            loaded.churn_probability(matrix)

    assert reads == ["graph"]


def test_tampered_artifact_is_refused_naming_the_checksum(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    artifact = tmp_path / manifest.version / ARTIFACT_NAME
    artifact.write_bytes(artifact.read_bytes() + b"tampered")

    with pytest.raises(ModelIntegrityError, match="sha256"):
        ModelRegistry(tmp_path).load(manifest.version, _record(manifest))


def test_a_replaced_pickle_with_a_manifest_rewritten_to_match_is_refused_without_running_it(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    # Given a version whose pickle an attacker replaced, and whose manifest they rewrote to vouch for it
    manifest = save_artifact(tmp_path / "models", outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    folder = tmp_path / "models" / manifest.version
    marker = tmp_path / "pwned"
    (folder / ARTIFACT_NAME).write_bytes(pickle.dumps(_WritesMarker(marker)))
    _rewrite_manifest(folder, sha256=sha256_of(folder / ARTIFACT_NAME))

    # When it is loaded against the digests recorded at training
    with pytest.raises(ModelIntegrityError, match="recorded in the database"):
        ModelRegistry(tmp_path / "models").load(manifest.version, _record(manifest))

    # Then its code never ran (and it would have: the same bytes unpickled write the marker)
    assert not marker.exists()
    pickle.loads((folder / ARTIFACT_NAME).read_bytes()).close()
    assert marker.exists()


def test_a_version_the_database_has_no_record_of_is_refused_saying_what_to_do(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)

    with pytest.raises(ModelIntegrityError, match="no record in this database.*retention train"):
        ModelRegistry(tmp_path).load(manifest.version, None)


def test_a_truncated_model_file_is_refused(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    artifact = tmp_path / manifest.version / ARTIFACT_NAME
    artifact.write_bytes(artifact.read_bytes()[:1000])

    with pytest.raises(ModelIntegrityError, match="sha256"):
        ModelRegistry(tmp_path).load(manifest.version, _record(manifest))


def test_a_manifest_that_lies_about_its_features_is_refused(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    _rewrite_manifest(tmp_path / manifest.version, features=list(reversed(FEATURE_NAMES)))

    with pytest.raises(ModelIntegrityError, match="features"):
        ModelRegistry(tmp_path).load(manifest.version, _record(manifest))


def test_a_manifest_copied_from_another_version_is_refused(outcome: TrainingOutcome, tmp_path: Path) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    _rewrite_manifest(tmp_path / manifest.version, version="20200101T000000Z-00000000")

    with pytest.raises(ModelIntegrityError, match="another version"):
        read_manifest(tmp_path, manifest.version)


def test_artifact_built_with_other_library_versions_is_refused(
    outcome: TrainingOutcome, tmp_path: Path
) -> None:
    manifest = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    manifest_path = tmp_path / manifest.version / MANIFEST_NAME
    data = json.loads(manifest_path.read_text())
    data["libraries"]["scikit-learn"] = "0.24.2"
    manifest_path.write_text(json.dumps(data))

    with pytest.raises(ModelIntegrityError, match="scikit-learn 0.24.2"):
        ModelRegistry(tmp_path).load(manifest.version, _record(manifest))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "unreadable"),
        ('{"version": "x"}', "required"),
        (None, "training_rows"),
    ],
    ids=["invalid JSON", "missing fields", "wrong types"],
)
def test_one_unreadable_manifest_is_marked_and_the_other_versions_still_listed(
    outcome: TrainingOutcome, tmp_path: Path, text: str | None, reason: str
) -> None:
    good = save_artifact(tmp_path, outcome.pipeline, outcome.onnx_graph, outcome.manifest)
    bad = save_artifact(
        tmp_path,
        outcome.pipeline,
        outcome.onnx_graph,
        Manifest(**{**good.__dict__, "version": "20991231T000000Z"}),
    )
    if text is None:
        _rewrite_manifest(tmp_path / bad.version, training_rows="many")
    else:
        (tmp_path / bad.version / MANIFEST_NAME).write_text(text)

    found = {entry.version: entry for entry in scan_versions(tmp_path)}

    assert found[good.version].manifest == good
    assert found[bad.version].manifest is None
    assert reason in (found[bad.version].problem or "")
    assert [m.version for m in list_manifests(tmp_path)] == [good.version]


@pytest.mark.parametrize("version", ["../../etc/passwd", "20260101T000000Z-deadbeef/../x", "", "A" * 5000])
def test_unknown_or_malformed_version_is_not_found(tmp_path: Path, version: str) -> None:
    with pytest.raises(NotFound):
        read_manifest(tmp_path, version)
    with pytest.raises(NotFound):
        read_manifest(tmp_path, "20260101T000000Z-deadbeef")
