"""Job rows: queue one, read one, let one worker claim it under a lease it renews, report progress, finish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

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


@dataclass(frozen=True)
class Claim:
    """A job a worker took, and whose it was when it took over a dead process's job."""

    job: JobRow
    taken_over_from: str | None


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


def claim_next(connection: Connection, *, worker: str, now: datetime, lease: timedelta) -> Claim | None:
    """Take the oldest job that is queued, or running with a lease gone stale (its process died), for
    `worker`: it becomes (or stays) running, under `worker`'s lease. None when there is none.

    The UPDATE repeats the condition the SELECT found the job by, so two workers never both take it.
    """
    stale = naive_utc(now - lease)
    available = or_(jobs.c.state == QUEUED, and_(jobs.c.state == RUNNING, jobs.c.heartbeat_at < stale))
    while True:
        found = connection.execute(
            select(jobs.c.id, jobs.c.state, jobs.c.worker).where(available).order_by(jobs.c.id).limit(1)
        ).first()
        if found is None:
            return None
        stamp = naive_utc(now)
        claimed = connection.execute(
            update(jobs)
            .where(jobs.c.id == found.id, available)
            .values(state=RUNNING, worker=worker, started_at=stamp, heartbeat_at=stamp)
        )
        if claimed.rowcount == 1:
            job = get_job(connection, int(found.id))
            assert job is not None
            return Claim(job, taken_over_from=found.worker if found.state == RUNNING else None)


def renew_lease(connection: Connection, job_id: int, *, worker: str, now: datetime) -> bool:
    """Keep `worker`'s lease on a running job; False when it has lost it (another process took it over)."""
    renewed = connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == RUNNING)
        .values(heartbeat_at=naive_utc(now))
    )
    return renewed.rowcount == 1


def report_progress(
    connection: Connection, job_id: int, *, worker: str, progress: float, now: datetime
) -> bool:
    """A running job's progress, from 0 to 1, if `worker` still holds it (else False)."""
    reported = connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == RUNNING)
        .values(progress=min(max(progress, 0.0), 1.0), heartbeat_at=naive_utc(now))
    )
    return reported.rowcount == 1


def release_job(connection: Connection, job_id: int, *, worker: str) -> bool:
    """Put a job `worker` holds back in the queue (its process is stopping): another process runs it."""
    released = connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == RUNNING)
        .values(state=QUEUED, worker=None, heartbeat_at=None)
    )
    return released.rowcount == 1


def finish_job(
    connection: Connection,
    job_id: int,
    *,
    worker: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    now: datetime,
) -> bool:
    """Close a job `worker` holds: succeeded with its result, or failed with why. False when another
    process took it over meanwhile: its outcome is that process's to record, so a job ends once."""
    stamp = naive_utc(now)
    values: dict[str, Any] = {"finished_at": stamp, "heartbeat_at": stamp}
    if error is None:
        values.update(state=SUCCEEDED, progress=1.0, result=json.dumps(result or {}, sort_keys=True))
    else:
        values.update(state=FAILED, error=error)
    finished = connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == RUNNING)
        .values(**values)
    )
    return finished.rowcount == 1
