"""A full disk while a model version is written: nothing half-written is kept, the old model serves."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from retention.errors import StorageFull
from retention.ml import artifacts
from retention.runtime import build_runtime
from retention.services.models import list_versions, train_version
from retention.storage import models as model_store
from tests.factories import POLICY, SMALL_SEARCH
from tests.support import ScoredDatabase


def _fill_the_disk_after(limit: int) -> Any:
    real_dump = artifacts.joblib.dump

    def dump(value: Any, filename: Path, **kwargs: Any) -> Any:
        real_dump(value, filename, **kwargs)
        with Path(filename).open("r+b") as written:  # what was on disk when the space ran out
            written.truncate(limit)
        raise OSError(errno.ENOSPC, "No space left on device")

    return dump


def test_a_full_disk_mid_write_keeps_nothing_and_the_old_model_serves(
    scored_database: ScoredDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(p.name for p in scored_database.model_dir.iterdir())
    with scored_database.engine.connect() as connection:
        recorded = model_store.recorded_versions(connection)
    monkeypatch.setattr(artifacts.joblib, "dump", _fill_the_disk_after(1024))

    with pytest.raises(StorageFull, match="No space left on device") as refused:
        train_version(
            engine=scored_database.engine,
            model_dir=scored_database.model_dir,
            policy=POLICY,
            space=SMALL_SEARCH,
            activate=True,
            progress=False,
        )

    assert "nothing was kept" in refused.value.message and "RETENTION_MODEL_DIR" in refused.value.message
    assert sorted(p.name for p in scored_database.model_dir.iterdir()) == before, "no staging folder left"
    with scored_database.engine.connect() as connection:
        assert model_store.recorded_versions(connection) == recorded
        assert model_store.active_version(connection) == scored_database.model_version
    listed = list_versions(engine=scored_database.engine, model_dir=scored_database.model_dir)
    assert scored_database.model_version in {v.version for v in listed}
    assert len(listed) == len([n for n in before if not n.startswith(".")])
    runtime = build_runtime(scored_database.settings())
    try:
        runtime.refresh_active_model()
        assert runtime.active_version == scored_database.model_version
    finally:
        runtime.close()
