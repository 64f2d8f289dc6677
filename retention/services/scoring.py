"""Batch scoring: every customer, in chunks, with history and each score's top drivers kept."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row
from tqdm import tqdm

from retention.features import FEATURE_NAMES
from retention.ml.matrix import matrix_from_tuples
from retention.ml.registry import LoadedModel
from retention.risk import RiskPolicy, risk_score
from retention.storage import customers as customer_store
from retention.storage import runs as run_store
from retention.storage.contributions import encode_rows
from retention.storage.scores import NewSnapshot, write_snapshots

log = logging.getLogger(__name__)
# Chunks scored but not yet written; bounds memory while the model and the database work in parallel.
PENDING_CHUNKS = 2


def snapshots_for(rows: Sequence[Row[Any]], model: LoadedModel, policy: RiskPolicy) -> list[NewSnapshot]:
    """Score and explain rows of (id, customer_id, *features) as storage streams them."""
    explained = model.explain(matrix_from_tuples([tuple(row)[2:] for row in rows]))
    # Every feature's contribution is kept, so "why did this score change" can compare two snapshots.
    contributions = encode_rows(explained.contributions)
    probabilities = explained.probabilities.tolist()
    return [
        NewSnapshot(
            customer_pk=int(row[0]),
            probability=probability,
            score=risk_score(probability),
            tier=policy.tier(probability),
            contributions=packed,
        )
        for row, probability, packed in zip(rows, probabilities, contributions, strict=True)
    ]


def score_all_customers(
    *,
    engine: Engine,
    model: LoadedModel,
    policy: RiskPolicy,
    chunk_size: int = 5000,
    progress: bool | None = None,
) -> int:
    """Score every stored customer with `model`; each chunk commits on its own. Returns customers scored."""
    with engine.connect() as connection:
        total = customer_store.count_customers(connection)
    with engine.begin() as connection:
        run_id = run_store.start_run(
            connection, model_version=model.version, kind="batch", now=datetime.now(UTC)
        )
    pending: queue.Queue[list[NewSnapshot] | None] = queue.Queue(maxsize=PENDING_CHUNKS)
    writer = _Writer(engine, model.version, run_id, pending)
    writer.start()
    scored = 0
    # tqdm's disable=None hides the bar when stderr is not a terminal.
    hidden = None if progress is None else not progress
    try:
        with engine.connect() as reader, tqdm(total=total, unit="customer", disable=hidden) as bar:
            for rows in customer_store.iter_model_rows(reader, columns=FEATURE_NAMES, chunk_size=chunk_size):
                # The model works on chunk k+1 while the writer thread stores chunk k.
                writer.put(snapshots_for(rows, model, policy))
                scored += len(rows)
                bar.update(len(rows))
    except BaseException:
        _close_run(engine, run_id, run_store.FAILED, scored)
        writer.finish()
        raise
    writer.finish()
    _close_run(engine, run_id, run_store.SUCCEEDED, scored)
    log.info("scored %d customers with model %s", scored, model.version)
    return scored


def _close_run(engine: Engine, run_id: int, state: str, scored: int) -> None:
    with engine.begin() as connection:
        run_store.finish_run(connection, run_id, state=state, customers_scored=scored, now=datetime.now(UTC))


class _Writer(threading.Thread):
    """Stores scored chunks in order, one transaction each; re-raises its failure in the caller."""

    def __init__(
        self, engine: Engine, version: str, run_id: int, pending: queue.Queue[list[NewSnapshot] | None]
    ) -> None:
        super().__init__(name="score-writer", daemon=True)
        self.engine, self.version, self.run_id, self.pending = engine, version, run_id, pending
        self.failure: BaseException | None = None

    def run(self) -> None:
        while (snapshots := self.pending.get()) is not None:
            if self.failure is not None:
                continue  # drain, so the producer never blocks on a dead writer
            try:
                with self.engine.begin() as connection:
                    write_snapshots(
                        connection,
                        snapshots,
                        run_id=self.run_id,
                        model_version=self.version,
                        scored_at=datetime.now(UTC),
                    )
            except BaseException as exc:  # handed to the caller in finish()
                self.failure = exc

    def put(self, snapshots: list[NewSnapshot]) -> None:
        if self.failure is not None:
            raise self.failure
        self.pending.put(snapshots)

    def finish(self) -> None:
        self.pending.put(None)
        self.join()
        if self.failure is not None:
            raise self.failure
