"""The worker thread of a serving process: takes queued jobs one at a time, runs them, records the outcome.

One job at a time per process: a rescore or a training is CPU-bound, and the process also answers
requests. State lives in the database, so a client polling any process sees the job and its progress.
A running job is held under a lease its process renews every few seconds; a job whose process died
(no renewal for RETENTION_JOB_LEASE_SECONDS) is taken over by the next process that looks, and only the
holder of the lease may record the end, so a job ends once. A process that stops puts its job back in the
queue for another. A rescore taken over continues the interrupted score run (score runs resume).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from retention import metrics
from retention.errors import ModelNotReady, RetentionError
from retention.ml.search import SearchSpace
from retention.runtime import Runtime
from retention.services import analytics, analytics_cache
from retention.services import jobs as job_service
from retention.services import models as model_service
from retention.services.jobs import JobKind
from retention.services.scoring import Scope, score_customers
from retention.storage import jobs as job_store
from retention.storage.customers import count_customers, now_utc

log = logging.getLogger(__name__)
# Progress is written at most this often: a report per chunk or per fit would be noise in the database.
PROGRESS_EVERY_SECONDS = 1.0
# Kept analytics are recomputed after a change at most this often: a stream of API writes must not keep
# the database scanning the table.
WARM_EVERY_SECONDS = 5.0
THREAD_NAME = "job-runner"


class JobStopped(Exception):
    """Raised inside a job when its process is shutting down."""


class JobLost(Exception):
    """Raised inside a job whose lease another process took over (this one was presumed dead)."""


class _Progress:
    """A job's progress reporter; raises JobStopped once the runner is stopping, JobLost once the lease is."""

    def __init__(self, runner: JobRunner, job_id: int, lost: threading.Event) -> None:
        self.runner, self.job_id, self.lost, self._last = runner, job_id, lost, 0.0

    def __call__(self, fraction: float) -> None:
        if self.runner.stopping.is_set():
            raise JobStopped()
        if self.lost.is_set():
            raise JobLost()
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_SECONDS:
            self._last = now
            with self.runner.runtime.engine.begin() as connection:
                held = job_store.report_progress(
                    connection, self.job_id, worker=self.runner.worker, progress=fraction, now=now_utc()
                )
            if not held:
                self.lost.set()
                raise JobLost()


class _Lease:
    """Renews a running job's lease from its own thread, so a long step between progress reports
    (one forest fit) does not make the job look abandoned."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        self.runner, self.job_id = runner, job_id
        self.lost, self._done = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"{THREAD_NAME}-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _renew(self) -> None:
        every = self.runner.runtime.settings.job_lease_seconds / 3
        while not self._done.wait(every):
            try:
                with self.runner.runtime.engine.begin() as connection:
                    held = job_store.renew_lease(
                        connection, self.job_id, worker=self.runner.worker, now=now_utc()
                    )
            except Exception:  # the database may be away; the lease lasts a few renewals
                log.warning("could not renew the lease of job %d", self.job_id, exc_info=True)
                continue
            if not held:
                self.lost.set()
                return


class JobRunner:
    """Runs the database's queued jobs in one daemon thread of this process."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stopping = threading.Event()
        self.worker = f"{socket.gethostname()}:{os.getpid()}"[:128]
        self._lease = timedelta(seconds=runtime.settings.job_lease_seconds)
        self._warmed_version: int | None = None
        self._warmed_at = -WARM_EVERY_SECONDS
        self._thread: threading.Thread | None = None
        self._bodies: dict[JobKind, Callable[[job_store.JobRow, _Progress], dict[str, Any]]] = {
            JobKind.RESCORE: self._rescore,
            JobKind.TRAIN: self._train,
        }

    def start(self) -> None:
        """Start the worker thread (again, after a stop: an app may be started more than once)."""
        self.stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; a running one stops at its next progress report."""
        self.stopping.set()
        self.runtime.jobs_queued.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.runtime.engine.begin() as connection:
                    claim = job_store.claim_next(
                        connection, worker=self.worker, now=now_utc(), lease=self._lease
                    )
            except Exception:  # the database may be away; the next round retries
                log.warning("could not look for queued jobs", exc_info=True)
                claim = None
            if claim is not None:
                if claim.taken_over_from is not None:
                    log.warning(
                        "job %d (%s) taken over from %s, whose lease lapsed (no renewal for %g s)",
                        claim.job.id,
                        claim.job.kind,
                        claim.taken_over_from,
                        self._lease.total_seconds(),
                    )
                self._run(claim.job)
                continue
            self._warm_analytics()
            self.runtime.jobs_queued.wait(self.runtime.settings.job_poll_seconds)
            self.runtime.jobs_queued.clear()

    def _warm_analytics(self) -> None:
        """Recompute the usual analytics once the data has changed, so readers find them kept."""
        if time.monotonic() - self._warmed_at < WARM_EVERY_SECONDS:
            return
        engine = self.runtime.engine
        try:
            version = analytics_cache.current_version(engine)
            if version == self._warmed_version:
                return
            try:
                manifest = self.runtime.active_model().manifest
            except ModelNotReady:
                manifest = None
            started = time.perf_counter()
            analytics.warm(engine=engine, manifest=manifest)
        except Exception:  # the database may be away; the next round retries
            log.warning("could not recompute the kept analytics", exc_info=True)
            return
        finally:
            self._warmed_at = time.monotonic()
        self._warmed_version = version
        log.info(
            "kept analytics are up to date with data version %d (%.1f s)",
            version,
            time.perf_counter() - started,
        )

    def _run(self, job: job_store.JobRow) -> None:
        log.info("job %d (%s) started by %s", job.id, job.kind, self.worker)
        started = time.perf_counter()
        result: dict[str, Any] | None = None
        error: str | None = None
        with _Lease(self, job.id) as lease:
            try:
                result = self._bodies[JobKind(job.kind)](job, _Progress(self, job.id, lease.lost))
            except JobStopped:
                self._release(job)
                return
            except JobLost:
                _taken_over(job)
                return
            except RetentionError as exc:
                error = exc.message
            except Exception:
                log.exception("job %d (%s) failed", job.id, job.kind)
                error = f"unexpected error; it has been logged with job id {job.id}"
        try:
            with self.runtime.engine.begin() as connection:
                held = job_store.finish_job(
                    connection, job.id, worker=self.worker, result=result, error=error, now=now_utc()
                )
        except Exception:
            log.error("could not record the end of job %d", job.id, exc_info=True)
            return
        if not held:
            _taken_over(job)
            return
        log.info("job %d (%s) %s", job.id, job.kind, "failed: " + error if error else "succeeded")
        metrics.JOB_RUNS.labels(kind=job.kind, outcome="failed" if error else "succeeded").inc()
        metrics.JOB_SECONDS.labels(kind=job.kind).observe(time.perf_counter() - started)
        rows = (result or {}).get("customersScored") or (result or {}).get("trainingRows") or 0
        metrics.JOB_ROWS.labels(kind=job.kind).inc(int(rows))

    def _release(self, job: job_store.JobRow) -> None:
        try:
            with self.runtime.engine.begin() as connection:
                released = job_store.release_job(connection, job.id, worker=self.worker)
        except Exception:  # the lease lapses and another process takes the job over anyway
            log.warning("could not put job %d back in the queue", job.id, exc_info=True)
            return
        if released:
            log.info("job %d (%s) put back in the queue: this process is stopping", job.id, job.kind)

    def _rescore(self, job: job_store.JobRow, progress: _Progress) -> dict[str, Any]:
        runtime = self.runtime
        runtime.refresh_active_model()
        model = runtime.active_model()
        with runtime.engine.connect() as connection:
            total = max(count_customers(connection), 1)
        scored = score_customers(
            engine=runtime.engine,
            model=model,
            policy=runtime.policy,
            scope=Scope.ALL,
            progress=False,
            on_progress=lambda done: progress(done / total),
        )
        return {"modelVersion": model.version, "customersScored": scored}

    def _train(self, job: job_store.JobRow, progress: _Progress) -> dict[str, Any]:
        runtime = self.runtime
        trained = model_service.train_version(
            engine=runtime.engine,
            model_dir=runtime.settings.model_dir,
            policy=runtime.policy,
            space=SearchSpace(final_trees=int(job.params["trees"])),
            activate=bool(job.params["activate"]),
            progress=False,
            on_progress=progress,
        )
        manifest = trained.manifest
        result: dict[str, Any] = {
            "version": manifest.version,
            "activated": trained.activated,
            "trainingRows": manifest.training_rows,
            "testRows": manifest.test_rows,
            "rocAuc": manifest.metrics.get("roc_auc"),
            "brier": manifest.metrics.get("brier"),
            "rescoreJobId": None,
        }
        if trained.activated:
            runtime.refresh_active_model()
            rescore = job_service.request_rescore(engine=runtime.engine, requested_by=job.requested_by)
            result["rescoreJobId"] = str(rescore.id)
        return result


def _taken_over(job: job_store.JobRow) -> None:
    log.warning("job %d (%s) was taken over by another process; it records the end", job.id, job.kind)
