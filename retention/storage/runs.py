"""Score runs: every scoring of customers (batch, import, API write) is one run with a state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from retention.storage.customers import naive_utc
from retention.storage.tables import risk_scores, score_runs

RUNNING = "running"
# Stopped by an error or an interrupt it saw; resumable, like a RUNNING run whose process was killed.
INTERRUPTED = "interrupted"
SUCCEEDED = "succeeded"
FAILED = "failed"  # closed for good; never resumed
RESUMABLE = (RUNNING, INTERRUPTED)


@dataclass(frozen=True)
class OpenRun:
    """A run that was started and never finished."""

    id: int
    model_version: str
    state: str


def start_run(connection: Connection, *, model_version: str, kind: str, now: datetime) -> int:
    """A new run in the running state; returns its id."""
    result = connection.execute(
        insert(score_runs).values(
            model_version=model_version, kind=kind, state=RUNNING, started_at=naive_utc(now)
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def open_runs(connection: Connection, *, kind: str) -> list[OpenRun]:
    """Runs of `kind` still running or interrupted, oldest first."""
    rows = connection.execute(
        select(score_runs.c.id, score_runs.c.model_version, score_runs.c.state)
        .where(score_runs.c.kind == kind, score_runs.c.state.in_(RESUMABLE))
        .order_by(score_runs.c.id)
    ).all()
    return [OpenRun(id=int(r[0]), model_version=str(r[1]), state=str(r[2])) for r in rows]


def mark_running(connection: Connection, run_id: int) -> None:
    """A resumed run is running again."""
    connection.execute(update(score_runs).where(score_runs.c.id == run_id).values(state=RUNNING))


def last_customer_pk(connection: Connection, run_id: int) -> int:
    """The highest customer primary key the run has a snapshot for (0 for none)."""
    query = select(func.coalesce(func.max(risk_scores.c.customer_pk), 0)).where(
        risk_scores.c.run_id == run_id
    )
    return int(connection.execute(query).scalar_one())


def snapshots_in_run(connection: Connection, run_id: int) -> int:
    """How many customers the run has stored a snapshot for."""
    query = select(func.count()).select_from(risk_scores).where(risk_scores.c.run_id == run_id)
    return int(connection.execute(query).scalar_one())


def finish_run(
    connection: Connection, run_id: int, *, state: str, customers_scored: int, now: datetime
) -> None:
    """Close a run (succeeded, failed) or stop it resumably (interrupted) with how many it scored."""
    connection.execute(
        update(score_runs)
        .where(score_runs.c.id == run_id)
        .values(state=state, customers_scored=customers_scored, finished_at=naive_utc(now))
    )
