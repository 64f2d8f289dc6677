"""Light helpers the benchmarks share: process memory, the MariaDB admin connection, printed verdicts.

Kept free of numpy and the model, so a benchmark's measured child process pays for nothing it does not use.
"""

from __future__ import annotations

import contextlib
import fcntl
import resource
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy.engine import URL


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM, which starts afresh at exec), in MB."""
    # ru_maxrss of a spawned child keeps the high-water mark of the parent it was forked from.
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def connect(url: URL) -> pymysql.connections.Connection[Any]:
    """A plain PyMySQL connection to the server (and database, if any) of a SQLAlchemy URL."""
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.database,
        charset="utf8mb4",
    )


RETENTION_CLI = str(Path(sys.executable).with_name("retention"))
"""The `retention` console script of this venv: every bench runs the CLI as a user does."""


def create_database(admin: pymysql.connections.Connection[Any], name: str, *, replace: bool = False) -> None:
    """A new utf8mb4 database on the admin connection's server; with `replace`, any old one dropped first."""
    with admin.cursor() as cursor:
        if replace:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def verdict(ok: bool) -> str:
    """The word every benchmark prints after a target."""
    return "met" if ok else "MISSED"


def reproduce(module: str, argv: Sequence[str]) -> str:
    """The command line that reruns a benchmark with the same arguments."""
    return shlex.join([".venv/bin/python", "-m", module, *argv])


BENCH_LOCK = Path("/tmp/retention-bench.lock")


@contextlib.contextmanager
def held(lock: Path | None) -> Iterator[None]:
    """The bench lock (a flock on `lock`) around a measured part, so benches never share the cores."""
    if lock is None:
        yield
        return
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
