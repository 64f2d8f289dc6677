"""Background jobs as callers see them: ask for a rescore or a training, activate a version, poll a job.

A job is a row (retention.storage.jobs); any serving process's worker (retention.job_runner) may run it,
so a client polls `get_job` on whichever process it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine

from retention.errors import InvalidInput, NotFound
from retention.ml.registry import ModelRegistry
from retention.services import models as model_service
from retention.storage import jobs as job_store
from retention.storage.customers import now_utc

MIN_TREES, MAX_TREES = 10, 2000


class JobKind(Enum):
    """What a job does."""

    RESCORE = "rescore"  # score every customer with the served model
    TRAIN = "train"  # train a new version on the labelled customers


class JobState(Enum):
    """Where a job is: queued, then running, then succeeded or failed."""

    QUEUED = job_store.QUEUED
    RUNNING = job_store.RUNNING
    SUCCEEDED = job_store.SUCCEEDED
    FAILED = job_store.FAILED


@dataclass(frozen=True)
class Job:
    """A job as a client sees it."""

    id: int
    kind: JobKind
    state: JobState
    progress: float
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _job(row: job_store.JobRow) -> Job:
    return Job(
        id=row.id,
        kind=JobKind(row.kind),
        state=JobState(row.state),
        progress=row.progress,
        params=row.params,
        result=row.result,
        error=row.error,
        requested_by=row.requested_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def queue(*, engine: Engine, kind: JobKind, params: dict[str, Any], requested_by: str) -> Job:
    """A new queued job, or the one already queued for the same work (asking twice queues it once)."""
    with engine.begin() as connection:
        waiting = job_store.queued_like(connection, kind=kind.value, params=params)
        if waiting is not None:
            return _job(waiting)
        job_id = job_store.queue_job(
            connection, kind=kind.value, params=params, requested_by=requested_by, now=now_utc()
        )
        row = job_store.get_job(connection, job_id)
    assert row is not None
    return _job(row)


def request_rescore(*, engine: Engine, requested_by: str) -> Job:
    """Queue a rescore of every customer by the model served when the job runs."""
    return queue(engine=engine, kind=JobKind.RESCORE, params={}, requested_by=requested_by)


def request_training(*, engine: Engine, requested_by: str, trees: int, activate: bool) -> Job:
    """Queue a training; `activate` serves the new version even when another one is active."""
    if not MIN_TREES <= trees <= MAX_TREES:
        raise InvalidInput(f"trees must be between {MIN_TREES} and {MAX_TREES:,} (got {trees})")
    params = {"trees": trees, "activate": activate}
    return queue(engine=engine, kind=JobKind.TRAIN, params=params, requested_by=requested_by)


def activate_and_rescore(*, engine: Engine, registry: ModelRegistry, version: str, requested_by: str) -> Job:
    """Activate `version` (its files verified first) and queue the rescore that makes stored scores follow."""
    model_service.activate_version(engine=engine, registry=registry, version=version)
    return request_rescore(engine=engine, requested_by=requested_by)


def get_job(*, engine: Engine, job_id: str) -> Job:
    """One job by its id; NotFound for an unknown one."""
    missing = NotFound(f"no job with id {job_id!r}")
    if not job_id.isascii() or not job_id.isdigit() or len(job_id) > 18:
        raise missing
    with engine.connect() as connection:
        row = job_store.get_job(connection, int(job_id))
    if row is None:
        raise missing
    return _job(row)
