"""Job rows: queue one, read one, let one worker claim the oldest queued, report progress, finish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from retention.storage.customers import as_utc, naive_utc
from retention.storage.tables import jobs

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"


@dataclass(frozen=True)
class JobRow:
    """A stored job as the services read it."""

    id: int
    kind: str
    state: str
    progress: float
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _row(row: Any) -> JobRow:
    m = row._mapping
    return JobRow(
        id=int(m["id"]),
        kind=m["kind"],
        state=m["state"],
        progress=float(m["progress"]),
        params=json.loads(m["params"]),
        result=json.loads(m["result"]) if m["result"] is not None else None,
        error=m["error"],
        requested_by=m["requested_by"],
        created_at=as_utc(m["created_at"]),
        started_at=as_utc(m["started_at"]) if m["started_at"] is not None else None,
        finished_at=as_utc(m["finished_at"]) if m["finished_at"] is not None else None,
    )


def queue_job(
    connection: Connection, *, kind: str, params: dict[str, Any], requested_by: str, now: datetime
) -> int:
    """A new queued job; returns its id."""
    result = connection.execute(
        insert(jobs).values(
            kind=kind,
            state=QUEUED,
            progress=0.0,
            params=json.dumps(params, sort_keys=True),
            requested_by=requested_by,
            created_at=naive_utc(now),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get_job(connection: Connection, job_id: int) -> JobRow | None:
    """One job, or None."""
    row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _row(row) if row is not None else None


def queued_like(connection: Connection, *, kind: str, params: dict[str, Any]) -> JobRow | None:
    """The oldest job still queued with this kind and these parameters, if any."""
    row = connection.execute(
        select(jobs)
        .where(
            jobs.c.state == QUEUED,
            jobs.c.kind == kind,
            jobs.c.params == json.dumps(params, sort_keys=True),
        )
        .order_by(jobs.c.id)
        .limit(1)
    ).first()
    return _row(row) if row is not None else None


def claim_next(connection: Connection, *, worker: str, now: datetime) -> JobRow | None:
    """Take the oldest queued job for `worker`: it becomes running. None when none is queued.

    The UPDATE's state condition makes the claim safe against another worker taking the same job.
    """
    while True:
        found = connection.execute(
            select(jobs.c.id).where(jobs.c.state == QUEUED).order_by(jobs.c.id).limit(1)
        ).scalar()
        if found is None:
            return None
        stamp = naive_utc(now)
        claimed = connection.execute(
            update(jobs)
            .where(jobs.c.id == found, jobs.c.state == QUEUED)
            .values(state=RUNNING, worker=worker, started_at=stamp, heartbeat_at=stamp)
        )
        if claimed.rowcount == 1:
            job = get_job(connection, int(found))
            assert job is not None
            return job


def report_progress(connection: Connection, job_id: int, *, progress: float, now: datetime) -> None:
    """A running job's progress, from 0 to 1."""
    connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(progress=min(max(progress, 0.0), 1.0), heartbeat_at=naive_utc(now))
    )


def finish_job(
    connection: Connection,
    job_id: int,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    now: datetime,
) -> None:
    """Close a job: succeeded with its result, or failed with why."""
    stamp = naive_utc(now)
    values: dict[str, Any] = {"finished_at": stamp, "heartbeat_at": stamp}
    if error is None:
        values.update(state=SUCCEEDED, progress=1.0, result=json.dumps(result or {}, sort_keys=True))
    else:
        values.update(state=FAILED, error=error)
    connection.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
