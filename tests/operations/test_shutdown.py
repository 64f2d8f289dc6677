"""SIGTERM: a server stops taking work but lets the requests in flight finish, within a bounded wait."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pymysql
from sqlalchemy.engine import make_url

from tests.graphql_api.conftest import bearer, make_key
from tests.support import ScoredDatabase, serving

PING = "query Ping { features { name } }"


@contextlib.contextmanager
def _rate_limit_table_locked(url: str) -> Iterator[None]:
    """Every GraphQL request counts itself in rate_limit_windows first: while this holds that table, a
    request is in flight for as long as the test wants."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        lite = sqlite3.connect(str(parsed.database), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    server = pymysql.connect(
        host=parsed.host,
        port=parsed.port or 3306,
        user=parsed.username,
        password=parsed.password or "",
        database=parsed.database,
    )
    with server.cursor() as cursor:
        cursor.execute("LOCK TABLES rate_limit_windows WRITE")
        try:
            yield
        finally:
            cursor.execute("UNLOCK TABLES")
            server.close()


def test_a_request_in_flight_at_sigterm_is_answered_and_the_server_exits(
    scored_database: ScoredDatabase, tmp_path: Path
) -> None:
    key = make_key(scored_database.engine)
    settings = scored_database.settings()
    answers: list[tuple[httpx.Response, float]] = []

    def ask(base: str) -> None:
        answer = httpx.post(f"{base}/graphql", json={"query": PING}, headers=bearer(key), timeout=60)
        answers.append((answer, time.monotonic()))

    # A limit under 200 a minute counts every request in the database (no block held in the process).
    with serving(
        settings.database_url, settings.model_dir, log=tmp_path / "server.log", rate_limit_per_minute="100"
    ) as served:
        assert (
            httpx.post(f"{served.base}/graphql", json={"query": PING}, headers=bearer(key)).status_code == 200
        )
        with _rate_limit_table_locked(settings.database_url):
            sending = threading.Thread(target=ask, args=(served.base,))
            sending.start()
            time.sleep(0.5)  # the request waits on the table
            served.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(0.5)  # the server is shutting down, the request still in flight
            refused_new = _refused(served.base)
        sending.join(60)
        exited = served.process.wait(30)

    ((answer, answered),) = answers
    assert answered > signalled, "the request must still have been in flight at SIGTERM"
    assert answer.status_code == 200 and answer.json()["data"]["features"], answer.text
    assert refused_new, "a stopping server takes no new connection"
    # uvicorn re-raises the signal once it has shut down cleanly, so the exit status may name it.
    assert exited in (0, -signal.SIGTERM)


def _refused(base: str) -> bool:
    try:
        httpx.get(f"{base}/healthz", timeout=2)
    except httpx.TransportError:
        return True
    return False
