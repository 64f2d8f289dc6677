"""The job queue and its worker: oldest first, asked twice queued once, every ending recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from retention.config import Settings
from retention.job_runner import JobRunner
from retention.runtime import Runtime, build_runtime
from retention.services import jobs as job_service
from retention.services.jobs import JobKind, JobState
from retention.storage import jobs as job_store
from retention.storage.customers import now_utc


@pytest.fixture
def runtime(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[Runtime]:
    built = build_runtime(
        Settings(database_url=database_url, model_dir=tmp_path / "models", job_poll_seconds=0.1)
    )
    yield built
    built.close()


def _wait(engine: Engine, job_id: int, timeout: float = 30.0) -> job_service.Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_service.get_job(engine=engine, job_id=str(job_id))
        if job.state in (JobState.SUCCEEDED, JobState.FAILED):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


LEASE = timedelta(seconds=30)


def test_asking_twice_while_queued_queues_once(engine: Engine) -> None:
    first = job_service.request_rescore(engine=engine, requested_by="a")
    again = job_service.request_rescore(engine=engine, requested_by="b")
    training = job_service.request_training(engine=engine, requested_by="a", trees=50, activate=False)
    other = job_service.request_training(engine=engine, requested_by="a", trees=60, activate=False)

    assert again.id == first.id and again.requested_by == "a"
    assert len({first.id, training.id, other.id}) == 3
    assert first.state is JobState.QUEUED and first.progress == 0.0 and first.started_at is None


def test_workers_claim_the_oldest_queued_job_once(engine: Engine) -> None:
    older = job_service.request_rescore(engine=engine, requested_by="a")
    newer = job_service.request_training(engine=engine, requested_by="a", trees=50, activate=True)

    with engine.begin() as connection:
        claims = [
            job_store.claim_next(connection, worker=f"w{i}", now=now_utc(), lease=LEASE) for i in range(3)
        ]

    assert [c.job.id if c else None for c in claims] == [older.id, newer.id, None]
    assert all(c.taken_over_from is None for c in claims if c)
    assert job_service.get_job(engine=engine, job_id=str(older.id)).state is JobState.RUNNING


def test_a_rescore_without_a_model_fails_saying_why(runtime: Runtime) -> None:
    runner = JobRunner(runtime)
    runner.start()
    try:
        job = job_service.request_rescore(engine=runtime.engine, requested_by="a")
        runtime.jobs_queued.set()
        done = _wait(runtime.engine, job.id)
    finally:
        runner.stop()

    assert done.state is JobState.FAILED and done.error and "no model is active" in done.error
    assert done.finished_at is not None and done.result is None


def test_an_unexpected_fault_is_recorded_without_its_detail(runtime: Runtime) -> None:
    runner = JobRunner(runtime)

    def broken(job: Any, progress: Any) -> dict[str, Any]:
        raise ValueError("secret detail /srv/models")

    runner._bodies[JobKind.RESCORE] = broken
    runner.start()
    try:
        job = job_service.request_rescore(engine=runtime.engine, requested_by="a")
        done = _wait(runtime.engine, job.id)
    finally:
        runner.stop()

    assert done.state is JobState.FAILED
    assert done.error == f"unexpected error; it has been logged with job id {done.id}"


def test_a_job_whose_lease_lapsed_is_taken_over_once_and_only_its_new_holder_ends_it(engine: Engine) -> None:
    job = job_service.request_rescore(engine=engine, requested_by="a")
    start = now_utc()
    with engine.begin() as connection:
        job_store.claim_next(connection, worker="dead:1", now=start, lease=LEASE)
        early = job_store.claim_next(connection, worker="live:2", now=start + LEASE / 2, lease=LEASE)
        late = job_store.claim_next(connection, worker="live:2", now=start + LEASE * 2, lease=LEASE)
        again = job_store.claim_next(connection, worker="live:3", now=start + LEASE * 2, lease=LEASE)
        dead_ends = job_store.finish_job(
            connection, job.id, worker="dead:1", result={}, now=start + LEASE * 3
        )
        dead_renews = job_store.renew_lease(connection, job.id, worker="dead:1", now=start + LEASE * 3)
        live_ends = job_store.finish_job(
            connection, job.id, worker="live:2", result={"n": 1}, now=start + LEASE * 3
        )

    assert early is None, "a lease still fresh is not taken"
    assert late is not None and late.job.id == job.id and late.taken_over_from == "dead:1"
    assert again is None, "a job taken over is taken once"
    assert (dead_ends, dead_renews, live_ends) == (False, False, True)
    done = job_service.get_job(engine=engine, job_id=str(job.id))
    assert done.state is JobState.SUCCEEDED and done.result == {"n": 1}


def test_a_job_running_at_shutdown_goes_back_to_the_queue_for_another_process(runtime: Runtime) -> None:
    runner = JobRunner(runtime)
    started = threading.Event()

    def endless(job: Any, progress: Any) -> dict[str, Any]:
        started.set()
        while True:
            progress(0.5)
            time.sleep(0.01)

    runner._bodies[JobKind.RESCORE] = endless
    runner.start()
    job = job_service.request_rescore(engine=runtime.engine, requested_by="a")
    assert started.wait(10)

    runner.stop()

    done = job_service.get_job(engine=runtime.engine, job_id=str(job.id))
    assert done.state is JobState.QUEUED and done.error is None and done.finished_at is None
    assert done.progress == 0.5
