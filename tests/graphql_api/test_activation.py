"""Activating a version reaches every worker of a running server, and a bad artifact never does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from retention.ml.artifacts import ARTIFACT_NAME
from retention.ml.registry import registry_for
from retention.services.models import activate_version, train_version
from retention.storage import models as model_store
from retention.storage.customers import now_utc
from tests.factories import POLICY, SMALL_SEARCH
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase, scored_database, served_app

MODEL = "{ model { version } }"
SWITCH_DEADLINE_SECONDS = 10


@pytest.fixture
def database(tmp_path: Path) -> Iterator[ScoredDatabase]:
    with scored_database("sqlite", tmp_path) as scored:
        yield scored


def _another_version(database: ScoredDatabase) -> str:
    trained = train_version(
        engine=database.engine,
        model_dir=database.model_dir,
        policy=POLICY,
        space=SMALL_SEARCH,
        progress=False,
    )
    return trained.manifest.version


def _served_version(base: str, key: str) -> str:
    # A new connection each time, so the kernel spreads requests over both workers.
    headers = {"Connection": "close", **bearer(key)}
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


def test_activation_switches_a_two_worker_server_within_ten_seconds(database: ScoredDatabase) -> None:
    newer = _another_version(database)
    key = make_key(database.engine)
    with served_app(database.url, database.model_dir, workers=2) as base:
        assert _versions_for(base, key, 1.0) == {database.model_version}

        activate_version(engine=database.engine, registry=registry_for(database.model_dir), version=newer)
        activated = last_old = time.monotonic()
        # Poll until the new version has answered alone for 3 s (or give up after 30 s).
        while time.monotonic() - last_old < 3.0 and time.monotonic() - activated < 30:
            if _served_version(base, key) != newer:
                last_old = time.monotonic()
            time.sleep(0.05)

    assert last_old - activated <= SWITCH_DEADLINE_SECONDS, (
        f"old version served {last_old - activated:.1f} s on"
    )


def test_a_running_server_keeps_its_model_when_the_activated_artifact_is_tampered(
    database: ScoredDatabase,
) -> None:
    tampered = _another_version(database)
    artifact = database.model_dir / tampered / ARTIFACT_NAME
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    key = make_key(database.engine)
    with served_app(database.url, database.model_dir, workers=1, model_refresh_seconds="1") as base:
        # As if another host recorded the activation: this server must refuse to load the file.
        with database.engine.begin() as connection:
            model_store.record_activation(connection, model_version=tampered, now=now_utc())

        assert _versions_for(base, key, 3.0) == {database.model_version}
