"""A real server process on a free port, and Debian's Chromium driven by Playwright (never a download)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention.access import Role, Scope
from retention.services import api_keys, users
from tests.support import ScoredDatabase, scored_database, served_app

CHROMIUM = Path("/usr/bin/chromium")
VIEWER, VIEWER_PASSWORD = "analyst", "a viewer's long passphrase"
ADMIN, ADMIN_PASSWORD = "chief", "an admin's long passphrase"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScoredDatabase, str]]:
    """The whole app served by uvicorn in its own process, over a scored SQLite database, with a read key
    that GraphiQL pre-fills (as `retention demo` does) for browsers on this machine."""
    with scored_database("sqlite", tmp_path_factory.mktemp("served")) as database:
        key = api_keys.create_key(engine=database.engine, name="browser-read", scope=Scope.READ).secret
        users.create_user(engine=database.engine, username=VIEWER, password=VIEWER_PASSWORD, role=Role.VIEWER)
        users.create_user(engine=database.engine, username=ADMIN, password=ADMIN_PASSWORD, role=Role.ADMIN)
        with served_app(database.url, database.model_dir, demo_api_key=key) as base:
            yield base, database, key
