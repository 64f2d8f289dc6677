"""Activating a version reaches every worker of a running server; a bad artifact never runs or switches.

A process holds one model: the one it serves (and, while switching, the next). A refused activation is
logged once and its files are not read again on later refreshes.
"""

from __future__ import annotations

import gc
import json
import logging
import pickle
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.features import FEATURE_NAMES
from retention.ml import artifacts, registry
from retention.ml.artifacts import ARTIFACT_NAME, MANIFEST_NAME, sha256_of
from retention.ml.registry import LoadedModel, ModelRegistry
from retention.runtime import build_runtime
from retention.services.models import activate_version, train_version
from retention.storage import models as model_store
from retention.storage.customers import now_utc
from tests.factories import POLICY, SMALL_SEARCH
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase, pids_by_request, scored_database, served_app, serving

MODEL = "{ model { version } }"
SWITCH_DEADLINE_SECONDS = 10


@pytest.fixture
def database(tmp_path: Path) -> Iterator[ScoredDatabase]:
    with scored_database("sqlite", tmp_path) as scored:
        yield scored


class _WritesMarker:
    """Unpickling this creates a file: proof that the pickle's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _another_version(database: ScoredDatabase) -> str:
    trained = train_version(
        engine=database.engine,
        model_dir=database.model_dir,
        policy=POLICY,
        space=SMALL_SEARCH,
        progress=False,
    )
    return trained.manifest.version


def _tamper(database: ScoredDatabase, version: str, marker: Path) -> None:
    # The attacker swaps the pickle and rewrites the manifest so it vouches for the new file.
    folder = database.model_dir / version
    (folder / ARTIFACT_NAME).write_bytes(pickle.dumps(_WritesMarker(marker)))
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    manifest["sha256"] = sha256_of(folder / ARTIFACT_NAME)
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))


def _activate_elsewhere(database: ScoredDatabase, version: str) -> None:
    # As if another host recorded the activation: this process must check the files itself.
    with database.engine.begin() as connection:
        model_store.record_activation(connection, model_version=version, now=now_utc())


def _served_version(base: str, key: str, request_id: str | None = None) -> str:
    # A new connection each time, so the kernel spreads requests over both workers.
    headers = {"Connection": "close", **bearer(key), **({"X-Request-ID": request_id} if request_id else {})}
    answer = httpx.post(f"{base}/graphql", json={"query": MODEL}, headers=headers, timeout=10)
    version: str = answer.json()["data"]["model"]["version"]
    return version


def _versions_for(base: str, key: str, seconds: float) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(_served_version(base, key))
        time.sleep(0.05)
    return seen


def test_training_records_the_digests_features_and_base_value_a_load_trusts(database: ScoredDatabase) -> None:
    with database.engine.connect() as connection:
        record = model_store.version_record(connection, database.model_version)

    assert record is not None
    folder = database.model_dir / database.model_version
    assert record.sha256 == sha256_of(folder / ARTIFACT_NAME)
    assert record.onnx_sha256 == sha256_of(folder / "model.onnx")
    assert record.features == FEATURE_NAMES
    assert record.base_value == pytest.approx(database.load_model().explainer.base_value, abs=1e-15)


def test_activation_switches_a_two_worker_server_within_ten_seconds(
    database: ScoredDatabase, tmp_path: Path
) -> None:
    newer = _another_version(database)
    key = make_key(database.engine)
    answers: list[tuple[float, str, str]] = []  # (seconds after the activation, request id, version)
    with serving(database.url, database.model_dir, log=tmp_path / "server.log", workers=2) as served:
        assert _versions_for(served.base, key, 1.0) == {database.model_version}

        activate_version(engine=database.engine, registry=ModelRegistry(database.model_dir), version=newer)
        activated = last_old = time.monotonic()
        # Poll until the new version has answered alone for 3 s (or give up after 30 s).
        while time.monotonic() - last_old < 3.0 and time.monotonic() - activated < 30:
            request_id = f"switch-{len(answers)}"
            version = _served_version(served.base, key, request_id)
            answers.append((time.monotonic() - activated, request_id, version))
            if version != newer:
                last_old = time.monotonic()
            time.sleep(0.05)
        time.sleep(0.5)
        answered_by = pids_by_request(served.log)

    assert last_old - activated <= SWITCH_DEADLINE_SECONDS, (
        f"old version served {last_old - activated:.1f} s on"
    )
    # Both workers answered with the new version once switched: neither was left on the old one.
    switched = {answered_by[rid] for after, rid, version in answers if version == newer}
    assert len({answered_by[rid] for _, rid, _ in answers}) == 2, "both workers must have answered"
    assert len(switched) == 2, f"a worker never served {newer}"


def test_a_running_server_never_runs_a_tampered_activated_artifact_and_keeps_its_model(
    database: ScoredDatabase, tmp_path: Path
) -> None:
    # given a trained version whose pickle was replaced, its manifest rewritten to match
    tampered = _another_version(database)
    marker = tmp_path / "pwned"
    _tamper(database, tampered, marker)
    log = tmp_path / "server.log"
    key = make_key(database.engine)
    with served_app(database.url, database.model_dir, workers=1, log=log, model_refresh_seconds="1") as base:
        # when it is activated while the server runs, and several refreshes pass
        _activate_elsewhere(database, tampered)

        # then the old model keeps answering
        assert _versions_for(base, key, 4.0) == {database.model_version}

    # and the pickle never ran, and the refusal was logged once
    assert not marker.exists()
    refusals = [line for line in log.read_text().splitlines() if f"model {tampered} is active but" in line]
    assert len(refusals) == 1, log.read_text()
    assert "recorded in the database" in refusals[0]


def test_activating_a_tampered_version_is_refused_without_running_it(
    database: ScoredDatabase, tmp_path: Path
) -> None:
    tampered = _another_version(database)
    marker = tmp_path / "pwned"
    _tamper(database, tampered, marker)

    with pytest.raises(artifacts.ModelIntegrityError, match="recorded in the database"):
        activate_version(engine=database.engine, registry=ModelRegistry(database.model_dir), version=tampered)

    assert not marker.exists()
    with database.engine.connect() as connection:
        assert model_store.active_version(connection) == database.model_version


def test_a_process_that_activates_three_versions_in_turn_holds_one_model(database: ScoredDatabase) -> None:
    # given three versions and a runtime serving the first
    versions = [database.model_version, _another_version(database), _another_version(database)]
    runtime = build_runtime(database.settings())
    try:
        runtime.refresh_active_model()
        previous = weakref.ref(runtime.active_model())
        for version in versions[1:]:
            # when the next one is activated and the runtime follows
            activate_version(engine=database.engine, registry=runtime.registry, version=version)
            assert runtime.refresh_active_model()
            gc.collect()

            # then the one it served before is gone from memory
            assert runtime.active_version == version
            assert previous() is None
            previous = weakref.ref(runtime.active_model())
    finally:
        runtime.close()


def test_a_refused_activation_is_logged_once_and_its_files_read_once(
    database: ScoredDatabase,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a runtime serving a model, and a tampered version activated by another host
    runtime = build_runtime(database.settings())
    reads: list[str] = []
    real = artifacts.verified_bytes

    def counted(model_dir: Path, version: str, name: str, expected: str) -> bytes:
        reads.append(f"{version}/{name}")
        return real(model_dir, version, name, expected)

    monkeypatch.setattr(artifacts, "verified_bytes", counted)
    monkeypatch.setattr(registry, "verified_bytes", counted)
    try:
        runtime.refresh_active_model()
        tampered = _another_version(database)
        _tamper(database, tampered, tmp_path / "pwned")
        _activate_elsewhere(database, tampered)

        # when the runtime refreshes several times
        with caplog.at_level(logging.ERROR, logger="retention.runtime"):
            changed = [runtime.refresh_active_model() for _ in range(4)]

        # then it keeps its model, logs the refusal once and read the tampered files once
        assert changed == [False] * 4
        assert runtime.active_version == database.model_version
        assert len([r for r in caplog.records if tampered in r.getMessage()]) == 1
        assert sorted(r for r in reads if r.startswith(tampered)) == [
            f"{tampered}/model.joblib",
            f"{tampered}/model.onnx",
        ]
        assert not (tmp_path / "pwned").exists()
    finally:
        runtime.close()


def test_model_and_churn_drivers_answer_without_the_onnx_session_or_explainer(
    database: ScoredDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(_: LoadedModel) -> None:
        raise AssertionError("built the ONNX session or the explainer tables")

    monkeypatch.setattr(LoadedModel, "fast", property(unavailable))
    monkeypatch.setattr(LoadedModel, "explainer", property(unavailable))
    query = "{ model { version rocAuc calibrated } churnDrivers(limit: 3) { feature importance } }"

    key = make_key(database.engine)
    with TestClient(create_app(database.settings())) as client:
        body = client.post("/graphql", json={"query": query}, headers=bearer(key)).json()

    assert "errors" not in body, body
    assert body["data"]["model"]["version"] == database.model_version
    assert len(body["data"]["churnDrivers"]) == 3
