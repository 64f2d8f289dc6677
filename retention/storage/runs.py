"""Score runs: every scoring of customers (batch, import, API write) is one run with a state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, update

from retention.storage.customers import naive_utc
from retention.storage.tables import score_runs

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"


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


def finish_run(
    connection: Connection, run_id: int, *, state: str, customers_scored: int, now: datetime
) -> None:
    """Close a run as succeeded or failed with how many customers it scored."""
    connection.execute(
        update(score_runs)
        .where(score_runs.c.id == run_id)
        .values(state=state, customers_scored=customers_scored, finished_at=naive_utc(now))
    )
