"""The two servers the API load bench drives, and the database helpers it needs."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from bench.api_load_prep import CLI
from bench.process import connect, create_database
from retention.ml.matrix import MODEL_COLUMNS
from retention.storage.tables import customers


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


@contextlib.contextmanager
def served(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """`retention serve` (one worker) and the floor app under uvicorn; yields both base URLs."""
    api_port, floor_port = _port(), _port()
    floor_command = [sys.executable, "-m", "uvicorn", "bench.floor_app:create_app", "--factory"]
    floor_command += ["--port", str(floor_port), "--log-level", "warning", "--no-access-log"]
    processes = [
        subprocess.Popen([*CLI, "serve", "--port", str(api_port), "--workers", "1"], env=env),
        subprocess.Popen(floor_command, env=env),
    ]
    try:
        api, floor = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{floor_port}"
        _wait(f"{api}/graphql", processes[0])
        _wait(f"{floor}/floor", processes[1])
        yield api, floor
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def profile_of(url: str, customer_id: str) -> dict[str, Any]:
    """A stored customer's model features, keyed as CustomerProfileInput names them."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(*(customers.c[c.name] for c in MODEL_COLUMNS)).where(
                    customers.c.customer_id == customer_id
                )
            ).one()
    finally:
        engine.dispose()
    return {_camel(c.name): value for c, value in zip(MODEL_COLUMNS, row, strict=True)}


def recreate_mysql(url: str) -> None:
    """Drop and create the database an URL names, utf8mb4."""
    parsed = make_url(url)
    server = connect(parsed.set(database=None))
    try:
        create_database(server, str(parsed.database), replace=True)
    finally:
        server.close()
