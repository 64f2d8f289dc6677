"""Opening a model version: verified against its database record, heavy parts built on first use.

A process holds the model it serves (the Runtime's) and, while switching, the one it switches to;
nothing here keeps a version once its caller lets go of it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline

from retention.errors import ModelIntegrityError, RetentionError
from retention.ml.artifacts import (
    ONNX_NAME,
    Manifest,
    VersionRecord,
    check_consistent,
    load_onnx_graph,
    load_pipeline,
    read_manifest,
    verified_bytes,
)
from retention.ml.explain import Explanations, ForestExplainer
from retention.ml.fast import FastScorer
from retention.ml.forest_parts import ForestParts
from retention.ml.matrix import Matrix


class LoadedModel:
    """A verified model version; its ONNX session and explainer tables are built on first use."""

    def __init__(self, *, model_dir: Path, manifest: Manifest, record: VersionRecord, pipeline: Pipeline):
        self.model_dir = model_dir
        self.manifest = manifest
        self.record = record
        self.pipeline = pipeline
        self._parts = ForestParts.of(pipeline)
        self._lock = threading.Lock()
        self._fast: FastScorer | None = None
        self._explainer: ForestExplainer | None = None
        # A graph that failed its check once is never read again: the error is kept and re-raised.
        self._fast_error: RetentionError | None = None

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def fast(self) -> FastScorer:
        """The ONNX Runtime scorer (request path), built on first use from the re-verified graph."""
        fast = self._fast
        if fast is not None:
            return fast
        with self._lock:
            if self._fast is None:
                if self._fast_error is not None:
                    raise self._fast_error
                try:
                    graph = load_onnx_graph(self.model_dir, self.record)
                except RetentionError as exc:
                    self._fast_error = exc
                    raise
                self._fast = FastScorer(graph, self._parts.calibration)
            return self._fast

    @property
    def explainer(self) -> ForestExplainer:
        """Exact per-feature contributions (batch scoring, files), tables built on first use."""
        explainer = self._explainer
        if explainer is not None:
            return explainer
        with self._lock:
            if self._explainer is None:
                self._explainer = ForestExplainer(self._parts)
            return self._explainer

    @property
    def built(self) -> tuple[bool, bool]:
        """Whether the ONNX session and the explainer tables exist yet (for tests and diagnostics)."""
        return self._fast is not None, self._explainer is not None

    def churn_probability(self, matrix: Matrix) -> npt.NDArray[np.float64]:
        """P(churn) for each row of a feature matrix, through ONNX Runtime (equal to scikit-learn's)."""
        return self.fast.churn_probability(matrix)

    def explain(self, matrix: Matrix) -> Explanations:
        """Probabilities with each feature's exact contribution to them."""
        return self.explainer.explain(matrix)


class ModelRegistry:
    """Opens versions of one model folder against the database's records; caches nothing."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir

    def load(self, version: str, record: VersionRecord | None) -> LoadedModel:
        """The verified model; NotFound or ModelIntegrityError, having unpickled nothing, on failure.

        Both files are hashed against `record` before the pickle is opened; `record` is None when the
        database has no row for the version, which is refused: its files cannot be vouched for.
        """
        manifest = read_manifest(self.model_dir, version)
        if record is None:
            raise ModelIntegrityError(
                f"model {version} has no record in this database (it was trained against another database,"
                " or before schema 0002), so its files cannot be verified and it will not be loaded;"
                " train a new version here with `retention train`"
            )
        check_consistent(manifest, record)
        # Both files are checked before anything is unpickled (the graph again when first used), so an
        # activation vouches for the whole version.
        verified_bytes(self.model_dir, version, ONNX_NAME, record.onnx_sha256)
        pipeline = load_pipeline(self.model_dir, manifest, record)
        return LoadedModel(model_dir=self.model_dir, manifest=manifest, record=record, pipeline=pipeline)
