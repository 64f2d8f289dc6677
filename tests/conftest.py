"""Fixtures every test tier shares: fresh databases on SQLite and (when set up) MySQL/MariaDB.

The MySQL tier runs when RETENTION_TEST_MYSQL_URL names a server, e.g.
`mysql+pymysql://root@127.0.0.1:3306/test`: each test gets its own database there, dropped afterwards.
With RETENTION_TEST_MYSQL_REQUIRED=1 (CI) a missing URL stops the session instead of skipping the tier.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import (
    BACKENDS,
    MYSQL_REQUIRED_VARIABLE,
    MYSQL_URL_VARIABLE,
    ScoredDatabase,
    fresh_database,
    migrated_engine,
)
from tests.support import (
    scored_database as build_scored_database,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"mysql: runs against the MySQL/MariaDB server in {MYSQL_URL_VARIABLE}"
    )
    if os.environ.get(MYSQL_REQUIRED_VARIABLE) == "1" and not os.environ.get(MYSQL_URL_VARIABLE):
        raise pytest.UsageError(
            f"{MYSQL_REQUIRED_VARIABLE}=1 but {MYSQL_URL_VARIABLE} is not set: the MySQL tier must run here. "
            f"Set it, e.g. {MYSQL_URL_VARIABLE}=mysql+pymysql://root@127.0.0.1:3306/test"
        )


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that exists for this test only."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's own database, migrated to the latest schema; disposed afterwards."""
    with migrated_engine(database_url) as engine:
        yield engine


@pytest.fixture(scope="module", params=BACKENDS)
def scored_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScoredDatabase]:
    """A database shared by one test module: seeds imported, a model trained and active, all scored."""
    with build_scored_database(request.param, tmp_path_factory.mktemp("scored")) as database:
        yield database
