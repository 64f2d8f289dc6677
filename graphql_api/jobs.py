"""Background jobs: rescoreCustomers, trainModel, activateModel, and job(id) to poll one. Admin scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.context import Info
from graphql_api.errors import call_core
from graphql_api.permissions import NeedsAdmin
from retention.services import jobs as job_service
from retention.services.jobs import JobKind, JobState


@strawberry.type(description="A background job: poll it with job(id) until it succeeds or fails.")
class Job:
    id: strawberry.ID = strawberry.field(description="The job's id.")
    kind: JobKind = strawberry.field(description="What it does.")
    state: JobState = strawberry.field(description="Where it is.")
    progress: float = strawberry.field(
        description="How far it is, from 0 to 1 (written about once a second)."
    )
    result: JSON | None = strawberry.field(
        description="What it did, once it succeeded. RESCORE: {modelVersion, customersScored}. TRAIN: "
        "{version, activated, trainingRows, testRows, rocAuc, brier, rescoreJobId} (rescoreJobId is the "
        "rescore queued when the new version became active, else null)."
    )
    error: str | None = strawberry.field(description="Why it failed, once it failed.")
    requested_by: str = strawberry.field(description="The name of the API key that asked for it.")
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    started_at: datetime | None = strawberry.field(description="When a worker took it (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it succeeded or failed (UTC).")

    @classmethod
    def of(cls, job: job_service.Job) -> Job:
        return cls(
            id=strawberry.ID(str(job.id)),
            kind=job.kind,
            state=job.state,
            progress=job.progress,
            result=job.result,  # type: ignore[arg-type]  # JSON is a NewType over object
            error=job.error,
            requested_by=job.requested_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


def _queued(info: Info, job: job_service.Job) -> Job:
    info.context.runtime.jobs_queued.set()  # this process's worker takes it now, not at its next poll
    return Job.of(job)


@strawberry.type
class JobQuery:
    @strawberry.field(
        permission_classes=[NeedsAdmin],
        description="One background job by id; NOT_FOUND if there is none. Needs the admin scope.",
    )
    async def job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The id a job mutation returned.")],
    ) -> Job:
        found = await call_core(job_service.get_job, engine=info.context.runtime.engine, job_id=str(id))
        return Job.of(found)


@strawberry.type
class JobMutation:
    @strawberry.mutation(
        permission_classes=[NeedsAdmin],
        description="Queue a rescore of every customer by the served model: a new snapshot each, one "
        "resumable score run. Asking while one is still queued returns that one. Needs the admin scope.",
    )
    async def rescore_customers(self, info: Info) -> Job:
        job = await call_core(
            job_service.request_rescore,
            engine=info.context.runtime.engine,
            requested_by=info.context.principal.name,
        )
        return _queued(info, job)

    @strawberry.mutation(
        permission_classes=[NeedsAdmin],
        description="Queue the training of a new model version on every labelled customer, as "
        "`retention train` does (hyperparameters and calibration chosen on the training rows). The new "
        "version is activated when `activate` is true or no version is active yet, and then a rescore is "
        "queued (its id in the result). Needs the admin scope.",
    )
    async def train_model(
        self,
        info: Info,
        trees: Annotated[
            int,
            strawberry.argument(
                description=f"Trees in the final forest, {job_service.MIN_TREES} to "
                f"{job_service.MAX_TREES:,}."
            ),
        ] = 200,
        activate: Annotated[
            bool,
            strawberry.argument(description="Serve the new version even when another one is active."),
        ] = False,
    ) -> Job:
        job = await call_core(
            job_service.request_training,
            engine=info.context.runtime.engine,
            requested_by=info.context.principal.name,
            trees=trees,
            activate=activate,
        )
        return _queued(info, job)

    @strawberry.mutation(
        permission_classes=[NeedsAdmin],
        description="Serve `version` from now on (its files are verified against this database's record "
        "first: NOT_FOUND, or MODEL_NOT_READY for files that fail), in every process sharing the "
        "database, and queue the rescore that makes stored scores follow; returns that rescore job. "
        "Needs the admin scope.",
    )
    async def activate_model(
        self,
        info: Info,
        version: Annotated[str, strawberry.argument(description="A version listed by `models`.")],
    ) -> Job:
        runtime = info.context.runtime
        job = await call_core(
            job_service.activate_and_rescore,
            engine=runtime.engine,
            registry=runtime.registry,
            version=version,
            requested_by=info.context.principal.name,
        )
        # This process serves it at once; the others follow at their next poll.
        await call_core(runtime.refresh_active_model)
        return _queued(info, job)
