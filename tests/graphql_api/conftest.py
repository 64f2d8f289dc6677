"""API keys for the GraphQL tests: each test module gets its own keys on its scored database."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from starlette.testclient import TestClient

from graphql_api.app import create_app
from retention.access import Scope
from retention.job_runner import THREAD_NAME as JOB_THREAD
from retention.services import api_keys
from tests.support import ScoredDatabase


def make_key(engine: Engine, scope: Scope = Scope.READ) -> str:
    """A fresh key with `scope` on this database; returns the key itself."""
    name = f"test-{scope.value}-{secrets.token_hex(4)}"
    return api_keys.create_key(engine=engine, name=name, scope=scope).secret


def bearer(key: str) -> dict[str, str]:
    """The header that authenticates with `key`."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def read_key(scored_database: ScoredDatabase) -> str:
    """A read key on the module's scored database."""
    return make_key(scored_database.engine)


@pytest.fixture(scope="module")
def api(scored_database: ScoredDatabase, read_key: str) -> Iterator[TestClient]:
    """The whole app over the module's scored database, every request sent with a read key."""
    with TestClient(create_app(scored_database.settings()), headers=bearer(read_key)) as client:
        yield client


# Statements of the process's own upkeep, not of answering a query: the key check (cached a few
# seconds), the active-model poller and the job worker looking for queued jobs.
UPKEEP = ("api_keys", "model_activations", "jobs", "data_changes", "analytics_cache", "rate_limit_windows")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement but upkeep that any engine of this process sends while the test runs."""
    sent: list[str] = []
    lock = threading.Lock()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name == JOB_THREAD:
            return  # the job worker's own work, e.g. keeping analytics up to date
        if not any(table in statement for table in UPKEEP):
            with lock:
                sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)
