"""Risk snapshots: append history, and keep each customer's latest one on its row for cheap reads."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, func, insert, or_, select, update

from retention.records import RiskTier
from retention.storage.bulk import driver_value, execute_many
from retention.storage.changes import note_change
from retention.storage.customers import as_utc, naive_utc
from retention.storage.snapshot_load import load_file
from retention.storage.tables import customers, risk_scores

_VARYING = ("customer_pk", "probability", "score", "tier", "contributions")
_SNAPSHOT_COLUMNS = (*_VARYING, "run_id", "model_version", "scored_at")
_NULL = "\\N"  # LOAD DATA's NULL


@dataclass(frozen=True)
class NewSnapshot:
    """A score about to be stored for the customer with primary key `customer_pk`."""

    customer_pk: int
    probability: float
    score: int
    tier: RiskTier
    contributions: bytes | None = None  # see retention.storage.contributions


@dataclass(frozen=True)
class ScoredBatch:
    """Many customers' scores column by column, as batch scoring produces them (no object per row)."""

    customer_pks: Sequence[int]
    probabilities: Sequence[float]
    scores: Sequence[int]
    tiers: Sequence[str]  # RiskTier values
    contributions: Sequence[bytes | None]

    @classmethod
    def of(cls, snapshots: Sequence[NewSnapshot]) -> ScoredBatch:
        """The same scores, from one object per customer."""
        return cls(
            customer_pks=[s.customer_pk for s in snapshots],
            probabilities=[s.probability for s in snapshots],
            scores=[s.score for s in snapshots],
            tiers=[s.tier.value for s in snapshots],
            contributions=[s.contributions for s in snapshots],
        )


class BulkFile:
    """Where a writer that uses LOAD DATA puts each chunk's file (one reused file in a private folder)."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="retention-scores-")
        self.path = Path(self._folder.name) / "snapshots.tsv"

    def close(self) -> None:
        """Remove the folder and its file."""
        self._folder.cleanup()


def write_snapshots(
    connection: Connection,
    snapshots: Sequence[NewSnapshot] | ScoredBatch,
    *,
    run_id: int,
    model_version: str,
    scored_at: datetime,
    bulk_file: BulkFile | None = None,
) -> None:
    """Append one history row per customer and copy it onto the customer row, in the caller's transaction,
    for a run this transaction alone writes (an API write's).

    The copy goes by run, not by the id range the rows got: a range also takes in rows concurrent writers
    are inserting, and waits on their locks (writers racing each other deadlocked on it). A batch run
    written by several connections uses insert_snapshots and a bounded copy_latest instead. A customer who
    already has a snapshot in this run is skipped (unique run_id, customer_pk). With `bulk_file` (the
    connection must come from `snapshot_load.load_data_engine`) rows go by LOAD DATA, else by executemany.
    """
    stored = insert_snapshots(
        connection,
        snapshots,
        run_id=run_id,
        model_version=model_version,
        scored_at=scored_at,
        bulk_file=bulk_file,
    )
    if stored is not None:
        copy_latest(connection, run_id)


@dataclass(frozen=True)
class StoredIds:
    """The history ids one insert gave its rows: every id of the run in (after_id, through_id] is one."""

    after_id: int
    through_id: int


def insert_snapshots(
    connection: Connection,
    snapshots: Sequence[NewSnapshot] | ScoredBatch,
    *,
    run_id: int,
    model_version: str,
    scored_at: datetime,
    bulk_file: BulkFile | None = None,
) -> StoredIds | None:
    """Append the history rows only (see write_snapshots); None when there was nothing to store."""
    batch = snapshots if isinstance(snapshots, ScoredBatch) else ScoredBatch.of(snapshots)
    if not batch.customer_pks:
        return None
    stamp = naive_utc(scored_at)
    # Rows this call inserts get ids above every id there is now; with the run id, that finds exactly them.
    before = _max_id(connection)
    if bulk_file is not None:
        _load(connection, batch, bulk_file.path, run_id, model_version, stamp)
    else:
        _insert_many(connection, batch, run_id, model_version, stamp)
    return StoredIds(after_id=before, through_id=_max_id(connection))


def _max_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(risk_scores.c.id), 0))).scalar_one())


def copy_latest(
    connection: Connection,
    run_id: int,
    *,
    after_id: int | None = None,
    through_id: int | None = None,
    only_newer: bool = False,
) -> None:
    """Copy the run's snapshots (those with ids in (after_id, through_id] when given) onto their customers.

    One set-based UPDATE … JOIN: per-row UPDATEs would cost a round trip each. The upper bound keeps the
    statement off rows another connection is still inserting for the same run. `only_newer` leaves a
    customer whose row already holds this snapshot or a later one, or whose profile changed after it,
    as it is (repairing a run that was stopped between storing a chunk and copying it).
    """
    conditions = [customers.c.id == risk_scores.c.customer_pk, risk_scores.c.run_id == run_id]
    if after_id is not None:
        conditions.append(risk_scores.c.id > after_id)
    if through_id is not None:
        conditions.append(risk_scores.c.id <= through_id)
    if only_newer:
        conditions.append(
            or_(customers.c.risk_scored_at.is_(None), customers.c.risk_scored_at < risk_scores.c.scored_at)
        )
        conditions.append(customers.c.updated_at <= risk_scores.c.scored_at)
    connection.execute(
        update(customers)
        .where(*conditions)
        .values(
            risk_probability=risk_scores.c.probability,
            risk_score=risk_scores.c.score,
            risk_tier=risk_scores.c.tier,
            risk_model_version=risk_scores.c.model_version,
            risk_scored_at=risk_scores.c.scored_at,
        )
    )
    note_change(connection)


def _insert_many(
    connection: Connection, batch: ScoredBatch, run_id: int, model_version: str, stamp: datetime
) -> None:
    stored_stamp = driver_value(connection, risk_scores.c.scored_at, stamp)
    fixed = (run_id, model_version, stored_stamp)
    rows = [
        dict(zip(_SNAPSHOT_COLUMNS, (*varying, *fixed), strict=True))
        for varying in zip(
            batch.customer_pks,
            batch.probabilities,
            batch.scores,
            batch.tiers,
            batch.contributions,
            strict=True,
        )
    ]
    # A customer already stored in this run keeps its snapshot (unique run_id, customer_pk).
    statement = insert(risk_scores).prefix_with("IGNORE", dialect="mysql")
    statement = statement.prefix_with("IGNORE", dialect="mariadb").prefix_with("OR IGNORE", dialect="sqlite")
    execute_many(connection, statement, _SNAPSHOT_COLUMNS, rows)


def _load(
    connection: Connection, batch: ScoredBatch, path: Path, run_id: int, model_version: str, stamp: datetime
) -> None:
    # repr() of a float is the shortest text that reads back as the same double; bytes go as hex.
    lines = [
        f"{pk}\t{probability!r}\t{score}\t{tier}\t{packed.hex() if packed is not None else _NULL}\n"
        for pk, probability, score, tier, packed in zip(
            batch.customer_pks,
            batch.probabilities,
            batch.scores,
            batch.tiers,
            batch.contributions,
            strict=True,
        )
    ]
    path.write_text("".join(lines), encoding="utf-8")
    load_file(
        connection,
        path,
        table=risk_scores.name,
        fields=("customer_pk", "probability", "score", "tier", "@contributions"),
        assignments={
            "contributions": "UNHEX(@contributions)",
            "run_id": "%s",
            "model_version": "%s",
            "scored_at": "%s",
        },
        parameters=(run_id, model_version, stamp),
    )


def newest_score_time(connection: Connection) -> datetime | None:
    """When the newest stored score was written (ids only grow, so the primary key finds it at once)."""
    newest = select(risk_scores.c.scored_at).order_by(risk_scores.c.id.desc()).limit(1)
    row = connection.execute(newest).first()
    return as_utc(row[0]) if row is not None else None
