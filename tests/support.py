"""Databases for tests: an empty one per test, or a scored one shared by a module."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from retention.config import Settings
from retention.importing.load import import_csv
from retention.ml.registry import LoadedModel, ModelRegistry
from retention.runtime import build_runtime
from retention.services.models import open_version, train_version
from retention.services.scoring import score_all_customers
from retention.storage import migrate
from retention.storage.engine import make_engine
from seeds.generator import write_csv
from tests.factories import POLICY, SMALL_SEARCH

MYSQL_URL_VARIABLE = "RETENTION_TEST_MYSQL_URL"
MYSQL_REQUIRED_VARIABLE = "RETENTION_TEST_MYSQL_REQUIRED"
# The tests' customers: the generator's first 1,000 profiles (the bundled seeds hold more of the same run).
TEST_CUSTOMERS = 1000


@functools.cache
def seed_csv() -> Path:
    """A CSV of the generator's first TEST_CUSTOMERS profiles, written once per test session."""
    path = Path(tempfile.mkdtemp(prefix="retention-tests-")) / "customers.csv"
    write_csv(path, TEST_CUSTOMERS)
    return path


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A running `retention serve`: its base URL, its process and where its stderr goes."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def serving(
    database_url: str, model_dir: Path, *, log: Path, workers: int = 1, **settings: str
) -> Iterator[Served]:
    """`retention serve`, as a user runs it, in its own process(es), its stderr (the log) into `log`.

    A file, not a pipe: a pipe nobody reads would fill up with request lines and stall the server.
    """
    port = _free_port()
    env = {
        **os.environ,
        "RETENTION_DATABASE_URL": database_url,
        "RETENTION_MODEL_DIR": str(model_dir),
        **{f"RETENTION_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "retention", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("w+b") as errors:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server, errors)
            yield Served(base, server, log)
        finally:
            if server.poll() is None:
                server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@contextlib.contextmanager
def served_app(
    database_url: str, model_dir: Path, *, workers: int = 1, log: Path | None = None, **settings: str
) -> Iterator[str]:
    """`serving`, yielding only its base URL; the log goes to `log` or a temporary folder."""
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "server.log"
        yield stack.enter_context(serving(database_url, model_dir, log=log, workers=workers, **settings)).base


_REQUEST_LINE = re.compile(r"\[pid=(\d+) req=(\S+) ")


def pids_by_request(log: Path) -> dict[str, int]:
    """The pid of the worker that answered each request id, read from a server's request lines."""
    return {
        match.group(2): int(match.group(1))
        for line in log.read_text(errors="replace").splitlines()
        if " retention.request " in line and (match := _REQUEST_LINE.search(line))
    }


def _wait_until_up(base: str, server: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            errors.seek(0)
            raise RuntimeError(f"server exited: {errors.read().decode(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not start within 60 s")


@dataclass(frozen=True)
class ScoredDatabase:
    """The 1,000 test customers, a trained active model and a score for every customer."""

    url: str
    engine: Engine
    model_dir: Path
    model_version: str

    def load_model(self) -> LoadedModel:
        """The active version, opened and verified as the services open it."""
        return open_version(
            engine=self.engine, registry=ModelRegistry(self.model_dir), version=self.model_version
        )

    def settings(self, **overrides: object) -> Settings:
        """Settings pointing at this database and model folder."""
        values: dict[str, object] = {"database_url": self.url, "model_dir": self.model_dir, **overrides}
        return Settings(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def scored_database(backend: str, directory: Path) -> Iterator[ScoredDatabase]:
    """Seeds imported, a small forest trained and activated, every customer scored."""
    with fresh_database(backend, directory) as url, migrated_engine(url) as engine:
        report = import_csv(engine, seed_csv(), progress=False)
        assert not report.refused, report.summary()
        model_dir = directory / "models"
        trained = train_version(
            engine=engine, model_dir=model_dir, policy=POLICY, space=SMALL_SEARCH, progress=False
        )
        runtime = build_runtime(Settings(database_url=url, model_dir=model_dir))
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
