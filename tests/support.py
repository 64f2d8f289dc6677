"""Databases for tests: an empty one per test, or a scored one shared by a module."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from retention.config import Settings
from retention.importing.load import import_csv
from retention.runtime import build_runtime
from retention.services.models import train_version
from retention.services.scoring import score_all_customers
from retention.storage import migrate
from retention.storage.engine import make_engine
from tests.factories import POLICY, SMALL_SEARCH

MYSQL_URL_VARIABLE = "RETENTION_TEST_MYSQL_URL"
MYSQL_REQUIRED_VARIABLE = "RETENTION_TEST_MYSQL_REQUIRED"
SEEDS_CSV = Path(__file__).resolve().parent.parent / "seeds" / "customers.csv"
BACKENDS = ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)]


@contextlib.contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database that exists only inside the block."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'retention.db'}"
        return
    server = os.environ.get(MYSQL_URL_VARIABLE)
    if not server:
        pytest.skip(f"set {MYSQL_URL_VARIABLE} to run the MySQL tier")
    name = f"retention_test_{secrets.token_hex(6)}"
    admin = create_engine(server, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()


@contextlib.contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on `url` with the latest schema; disposed afterwards."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@dataclass(frozen=True)
class ScoredDatabase:
    """The bundled 1,000 seed customers, a trained active model and a score for every customer."""

    url: str
    engine: Engine
    model_dir: Path
    model_version: str

    def settings(self, **overrides: object) -> Settings:
        """Settings pointing at this database and model folder."""
        return Settings(database_url=self.url, model_dir=self.model_dir, **overrides)  # type: ignore[arg-type]


@contextlib.contextmanager
def scored_database(backend: str, directory: Path) -> Iterator[ScoredDatabase]:
    """Seeds imported, a small forest trained and activated, every customer scored."""
    with fresh_database(backend, directory) as url, migrated_engine(url) as engine:
        report = import_csv(engine, SEEDS_CSV, progress=False)
        assert not report.refused, report.summary()
        model_dir = directory / "models"
        trained = train_version(
            engine=engine, model_dir=model_dir, policy=POLICY, space=SMALL_SEARCH, progress=False
        )
        runtime = build_runtime(Settings(database_url=url, model_dir=model_dir))  # type: ignore[call-arg]
        try:
            runtime.refresh_active_model()
            score_all_customers(
                engine=engine, model=runtime.active_model(), policy=runtime.policy, progress=False
            )
        finally:
            runtime.close()
        yield ScoredDatabase(
            url=url, engine=engine, model_dir=model_dir, model_version=trained.manifest.version
        )
