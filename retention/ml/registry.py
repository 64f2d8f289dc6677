"""Loaded models, shared by everything in the process: each version is opened once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline

from retention.ml.artifacts import Manifest, load_pipeline, read_manifest
from retention.ml.matrix import Matrix


@dataclass(frozen=True)
class LoadedModel:
    """A verified, opened model version."""

    manifest: Manifest
    pipeline: Pipeline

    @property
    def version(self) -> str:
        return self.manifest.version

    def churn_probability(self, matrix: Matrix) -> npt.NDArray[np.float64]:
        """P(churn) for each row of a feature matrix."""
        return np.asarray(self.pipeline.predict_proba(matrix)[:, 1], dtype=np.float64)


class ModelRegistry:
    """Opens model versions from one folder, verifies them, and keeps each one after its first load."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    def load(self, version: str) -> LoadedModel:
        """The model for `version`; raises NotFound or ModelIntegrityError and caches nothing on failure."""
        with self._lock:
            cached = self._loaded.get(version)
            if cached is not None:
                return cached
            manifest = read_manifest(self.model_dir, version)
            pipeline = load_pipeline(self.model_dir, manifest)
            # One row at a time on a request path: thread fan-out costs more than it saves.
            pipeline.named_steps["forest"].set_params(n_jobs=1)
            model = LoadedModel(manifest=manifest, pipeline=pipeline)
            self._loaded[version] = model
            return model


_REGISTRIES: dict[Path, ModelRegistry] = {}
_REGISTRIES_LOCK = threading.Lock()


def registry_for(model_dir: Path) -> ModelRegistry:
    """The process-wide registry of a model folder, so a version is never loaded twice in one process."""
    key = model_dir.resolve()
    with _REGISTRIES_LOCK:
        if key not in _REGISTRIES:
            _REGISTRIES[key] = ModelRegistry(key)
        return _REGISTRIES[key]
