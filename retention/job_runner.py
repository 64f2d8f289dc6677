"""The worker thread of a serving process: takes queued jobs one at a time, runs them, records the outcome.

One job at a time per process: a rescore or a training is CPU-bound, and the process also answers
requests. State lives in the database, so a client polling any process sees the job. A job whose
process stops (shutdown) fails with a message saying so; a rescore stopped that way is continued by
the next rescore of the same model (score runs resume). A job left running by a process that died is
recovered by the operations issue, which reads `heartbeat_at`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
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
STOPPED_MESSAGE = "the server stopped while this job ran; ask for it again"


class JobStopped(Exception):
    """Raised inside a job when its process is shutting down."""


class _Progress:
    """A job's progress reporter; raises JobStopped once the runner is stopping."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        self.runner, self.job_id, self._last = runner, job_id, 0.0

    def __call__(self, fraction: float) -> None:
        if self.runner.stopping.is_set():
            raise JobStopped()
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_SECONDS:
            self._last = now
            with self.runner.runtime.engine.begin() as connection:
                job_store.report_progress(connection, self.job_id, progress=fraction, now=now_utc())


class JobRunner:
    """Runs the database's queued jobs in one daemon thread of this process."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stopping = threading.Event()
        self.worker = f"{socket.gethostname()}:{os.getpid()}"[:128]
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
                    job = job_store.claim_next(connection, worker=self.worker, now=now_utc())
            except Exception:  # the database may be away; the next round retries
                log.warning("could not look for queued jobs", exc_info=True)
                job = None
            if job is not None:
                self._run(job)
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
        try:
            result = self._bodies[JobKind(job.kind)](job, _Progress(self, job.id))
        except JobStopped:
            error = STOPPED_MESSAGE
        except RetentionError as exc:
            error = exc.message
        except Exception:
            log.exception("job %d (%s) failed", job.id, job.kind)
            error = f"unexpected error; it has been logged with job id {job.id}"
        try:
            with self.runtime.engine.begin() as connection:
                job_store.finish_job(connection, job.id, result=result, error=error, now=now_utc())
        except Exception:
            log.error("could not record the end of job %d", job.id, exc_info=True)
            return
        log.info("job %d (%s) %s", job.id, job.kind, "failed: " + error if error else "succeeded")
        metrics.JOB_RUNS.labels(kind=job.kind, outcome="failed" if error else "succeeded").inc()
        metrics.JOB_SECONDS.labels(kind=job.kind).observe(time.perf_counter() - started)
        rows = (result or {}).get("customersScored") or (result or {}).get("trainingRows") or 0
        metrics.JOB_ROWS.labels(kind=job.kind).inc(int(rows))

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
