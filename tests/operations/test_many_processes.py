"""Several worker processes, several servers, one database: one rate limit, revocations everywhere in
5 s, and a job that outlives the process running it. Each answer's process is read from the request
line its worker logged (pid and request id), not assumed from how the kernel spreads connections."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import socket
import time
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from retention.access import Scope
from retention.services import api_keys
from retention.services import jobs as job_service
from retention.services.jobs import JobState
from retention.storage.tables import jobs
from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase, pids_by_request, serving

PING = "query Ping { features { name } }"
TRAIN = "mutation Train { trainModel(trees: 30) { id } }"


def _ping(base: str, key: str, request_id: str) -> int:
    # A new connection each time, so the workers' shared socket hands requests to either of them.
    headers = {**bearer(key), "X-Request-ID": request_id}
    return httpx.post(f"{base}/graphql", json={"query": PING}, headers=headers, timeout=30).status_code


def test_two_worker_processes_apply_one_rate_limit(scored_database: ScoredDatabase, tmp_path: Path) -> None:
    key = make_key(scored_database.engine)
    sent = [f"rl-{uuid.uuid4().hex[:12]}" for _ in range(60)]
    settings = scored_database.settings()
    with serving(
        settings.database_url,
        settings.model_dir,
        log=tmp_path / "server.log",
        workers=2,
        rate_limit_per_minute="10",
    ) as served:
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(lambda rid: _ping(served.base, key, rid), sent))
        time.sleep(0.5)  # the last request lines reach the log
        answered_by = pids_by_request(served.log)

    pids = {answered_by[rid] for rid in sent}
    allowed_by = {answered_by[rid] for rid, status in zip(sent, statuses, strict=True) if status == 200}
    assert len(pids) == 2, f"both workers must have answered to prove anything: {pids}"
    assert statuses.count(200) == 10 and statuses.count(429) == 50
    assert allowed_by, "the allowed requests were answered by a worker that logged them"


def test_a_revoked_key_is_refused_by_another_server_within_five_seconds(
    scored_database: ScoredDatabase, tmp_path: Path
) -> None:
    name = f"crm-{uuid.uuid4().hex[:8]}"
    key = api_keys.create_key(engine=scored_database.engine, name=name, scope=Scope.READ).secret
    settings = scored_database.settings()
    with (
        serving(settings.database_url, settings.model_dir, log=tmp_path / "a.log") as first,
        serving(settings.database_url, settings.model_dir, log=tmp_path / "b.log") as second,
    ):
        assert _ping(first.base, key, "warm-a") == 200 and _ping(second.base, key, "warm-b") == 200
        api_keys.revoke_key(engine=scored_database.engine, name=name)  # as `retention apikey revoke` does
        revoked = time.monotonic()
        status, attempt = 200, 0
        while status == 200 and time.monotonic() - revoked < 10:
            attempt += 1
            status = _ping(second.base, key, f"after-{attempt}")
            time.sleep(0.1)
        refused_after = time.monotonic() - revoked
        time.sleep(0.5)
        answered = pids_by_request(second.log)

    assert status == 401
    assert refused_after <= 5.0, f"still accepted {refused_after:.1f} s after the revocation"
    assert answered[f"after-{attempt}"] == second.process.pid != first.process.pid


def _job_row(scored_database: ScoredDatabase, job_id: int) -> tuple[str, str | None]:
    with scored_database.engine.connect() as connection:
        row = connection.execute(select(jobs.c.state, jobs.c.worker).where(jobs.c.id == job_id)).one()
    return str(row.state), row.worker


def test_a_job_whose_process_is_killed_is_taken_over_and_finishes_once(
    scored_database: ScoredDatabase, tmp_path: Path
) -> None:
    admin = make_key(scored_database.engine, Scope.ADMIN)
    settings = scored_database.settings()
    lease = {"job_lease_seconds": "3", "job_poll_seconds": "0.5"}
    with serving(settings.database_url, settings.model_dir, log=tmp_path / "a.log", **lease) as doomed:
        answer = httpx.post(
            f"{doomed.base}/graphql", json={"query": TRAIN}, headers=bearer(admin), timeout=30
        )
        job_id = int(answer.json()["data"]["trainModel"]["id"])
        deadline = time.monotonic() + 30
        while _job_row(scored_database, job_id)[0] != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        state, first_worker = _job_row(scored_database, job_id)
        assert state == "running", state
        os.kill(doomed.process.pid, signal.SIGKILL)  # no shutdown: the job is left running, its lease lapses
        doomed.process.wait(10)

    with serving(settings.database_url, settings.model_dir, log=tmp_path / "b.log", **lease) as heir:
        deadline = time.monotonic() + 120
        while _job_row(scored_database, job_id)[0] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
        done = job_service.get_job(engine=scored_database.engine, job_id=str(job_id))
        heir_log = heir.log.read_text()

    assert first_worker == f"{socket.gethostname()}:{doomed.process.pid}"[:128]
    assert done.state is JobState.SUCCEEDED, done.error
    assert _job_row(scored_database, job_id)[1] == f"{socket.gethostname()}:{heir.process.pid}"[:128]
    takeovers = [line for line in heir_log.splitlines() if f"job {job_id} (train) taken over from" in line]
    assert len(takeovers) == 1 and first_worker in takeovers[0]
    assert heir_log.count(f"job {job_id} (train) succeeded") == 1


def test_metrics_add_up_every_workers_requests_on_both_listeners(
    scored_database: ScoredDatabase, tmp_path: Path
) -> None:
    reader, admin = make_key(scored_database.engine), make_key(scored_database.engine, Scope.ADMIN)
    settings = scored_database.settings()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        metrics_port = probe.getsockname()[1]
    operation = f"Counted{uuid.uuid4().hex[:8]}"
    sent = [f"m-{i}" for i in range(40)]
    with serving(
        settings.database_url,
        settings.model_dir,
        log=tmp_path / "server.log",
        workers=2,
        metrics_bind=f"127.0.0.1:{metrics_port}",
    ) as served:

        def ask(request_id: str) -> int:
            body = {"query": f"query {operation} {{ features {{ name }} }}"}
            headers = {**bearer(reader), "X-Request-ID": request_id}
            return httpx.post(f"{served.base}/graphql", json=body, headers=headers, timeout=30).status_code

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            assert set(pool.map(ask, sent)) == {200}
        on_api_port = httpx.get(f"{served.base}/metrics", headers=bearer(admin), timeout=10).text
        keyless = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        time.sleep(0.5)
        answered_by = pids_by_request(served.log)

    assert len({answered_by[rid] for rid in sent}) == 2, "both workers must have answered"
    for text in (on_api_port, keyless):
        counted = {
            tuple(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "retention_graphql_requests_total"
        }
        assert counted[(("code", "OK"), ("operation", operation))] == len(sent)
