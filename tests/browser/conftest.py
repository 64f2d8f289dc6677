"""A real server process on a free port, and Debian's Chromium driven by Playwright (never a download)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ScoredDatabase, scored_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Module scope: Playwright's sync API keeps an event loop running on the main thread until it stops,
# which would break later tests that run a loop of their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("RETENTION_TEST_BROWSER_REQUIRED") == "1":
            pytest.fail("RETENTION_TEST_BROWSER_REQUIRED=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScoredDatabase]]:
    """The whole app served by uvicorn in its own process, over a scored SQLite database."""
    with scored_database("sqlite", tmp_path_factory.mktemp("served")) as database:
        port = _free_port()
        env = {
            **os.environ,
            "RETENTION_DATABASE_URL": database.url,
            "RETENTION_MODEL_DIR": str(database.model_dir),
        }
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "graphql_api.app:create_app",
            "--factory",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server)
            yield base, database
        finally:
            server.terminate()
            server.wait(timeout=20)
            if server.stderr:
                server.stderr.close()


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            if httpx.get(f"{base}/dashboard/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not start within 60 s")
