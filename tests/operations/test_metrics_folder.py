"""`retention serve` empties its metrics folder of old samples, and of nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from retention.cli_serve import _multiprocess_metrics
from retention.config import Settings


def test_only_prometheus_sample_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # restored after the test
    stale = ["counter_41.db", "histogram_41.db", "gauge_livesum_41.db", "gauge_liveall_7.db"]
    kept = ["retention.db", "notes_1.db", "counter.db", "session.secret"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")

    _multiprocess_metrics(Settings(metrics_dir=tmp_path))

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
