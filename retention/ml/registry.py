"""Loaded models, shared by everything in the process: each version is opened once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline

from retention.ml.artifacts import Manifest, load_onnx_graph, load_pipeline, read_manifest
from retention.ml.explain import Explanations, ForestExplainer
from retention.ml.fast import FastScorer
from retention.ml.forest_parts import ForestParts
from retention.ml.matrix import Matrix


@dataclass(frozen=True)
class LoadedModel:
    """A verified, opened model version; its fast scorer and explainer are built on first use.

    Batch scoring needs only the explainer (it computes probabilities itself), so it never pays for the
    ONNX sessions; a request path that never explains never pays for the leaf tables.
    """

    manifest: Manifest
    pipeline: Pipeline
    onnx_graph: Callable[[], bytes]  # reads and verifies the graph when first asked

    @cached_property
    def fast(self) -> FastScorer:
        return FastScorer(self.onnx_graph(), ForestParts.of(self.pipeline).calibration)

    @cached_property
    def explainer(self) -> ForestExplainer:
        return ForestExplainer(ForestParts.of(self.pipeline))

    @property
    def version(self) -> str:
        return self.manifest.version

    def churn_probability(self, matrix: Matrix) -> npt.NDArray[np.float64]:
        """P(churn) for each row of a feature matrix, through ONNX Runtime (equal to scikit-learn's)."""
        return self.fast.churn_probability(matrix)

    def explain(self, matrix: Matrix) -> Explanations:
        """Probabilities with each feature's exact contribution to them."""
        return self.explainer.explain(matrix)


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
            ForestParts.of(pipeline)  # refuse a pipeline of the wrong shape now, not at first use
            model_dir = self.model_dir
            model = LoadedModel(
                manifest=manifest,
                pipeline=pipeline,
                onnx_graph=lambda: load_onnx_graph(model_dir, manifest),
            )
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
