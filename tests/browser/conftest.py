"""A real server process on a free port, and Debian's Chromium driven by Playwright (never a download)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ScoredDatabase, scored_database, served_app

CHROMIUM = Path("/usr/bin/chromium")
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
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScoredDatabase]]:
    """The whole app served by uvicorn in its own process, over a scored SQLite database."""
    with scored_database("sqlite", tmp_path_factory.mktemp("served")) as database:
        with served_app(database.url, database.model_dir) as base:
            yield base, database
