"""Fit the forest on labelled customers and measure it on a held-out split it never saw."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from retention import features
from retention.errors import InvalidInput
from retention.ml.artifacts import Manifest, library_versions
from retention.ml.evaluation import Labels, classification_metrics, permutation_drivers
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.pipeline import RANDOM_SEED, ForestParams, build_pipeline

log = logging.getLogger(__name__)
MIN_ROWS_PER_CLASS = 20


@dataclass(frozen=True)
class TrainingOutcome:
    """A fitted pipeline and the manifest that describes it (version suffix and sha256 come on save)."""

    pipeline: Pipeline
    manifest: Manifest


def train_forest(
    matrix: Matrix,
    labels: Labels,
    *,
    params: ForestParams | None = None,
    test_fraction: float = 0.3,
    now: datetime | None = None,
) -> TrainingOutcome:
    """Stratified split, fit, held-out metrics and permutation drivers."""
    params = params or ForestParams()
    positives = int(labels.sum())
    if min(positives, len(labels) - positives) < MIN_ROWS_PER_CLASS:
        raise InvalidInput(
            f"training needs at least {MIN_ROWS_PER_CLASS} churned and {MIN_ROWS_PER_CLASS} retained "
            f"customers with a churn label; the database has {positives} churned of {len(labels)} labelled"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        matrix, labels, test_size=test_fraction, stratify=labels, random_state=RANDOM_SEED
    )
    pipeline = build_pipeline(params)
    started = time.perf_counter()
    pipeline.fit(x_train, y_train)
    log.info(
        "fitted %d trees on %d rows in %.1f s",
        params.n_estimators,
        len(y_train),
        time.perf_counter() - started,
    )
    probabilities = pipeline.predict_proba(x_test)[:, 1]
    metrics = classification_metrics(np.asarray(y_test), probabilities)
    drivers = permutation_drivers(pipeline, x_test, np.asarray(y_test))
    moment = now or datetime.now(UTC)
    manifest = Manifest(
        version=moment.strftime("%Y%m%dT%H%M%SZ"),
        created_at=moment.isoformat(),
        sha256="",
        features=[c.name for c in MODEL_COLUMNS],
        excluded_columns=dict(features.EXCLUDED_FROM_MODEL),
        libraries=library_versions(),
        training_rows=len(y_train),
        test_rows=len(y_test),
        params=params.as_dict(),
        metrics=metrics,
        drivers=[asdict(d) for d in drivers],
    )
    return TrainingOutcome(pipeline=pipeline, manifest=manifest)
