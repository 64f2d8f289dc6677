"""`retention serve`: the schema checked (or migrated), logging and metrics set up, then uvicorn."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from retention.cli_errors import EXIT_INPUT_OR_STATE
from retention.cli_settings import load_settings
from retention.config import Settings
from retention.logs import configure_logging
from retention.storage import migrate
from retention.storage.engine import make_engine


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (RETENTION_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (RETENTION_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (RETENTION_WORKERS).")] = None,
    migrate_schema: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Bring the database schema up to date first (else a schema behind the code is refused; "
            "with several hosts, migrate once with `retention db upgrade`).",
        ),
    ] = False,
) -> None:
    """Serve the GraphQL API and the dashboard with uvicorn."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if migrate_schema:
            migrate.upgrade(engine)
        _require_current_schema(engine)
    finally:
        engine.dispose()
    run_server(settings, host or settings.host, port or settings.port, workers or settings.workers)


def _require_current_schema(engine: Engine) -> None:
    fix = "run `retention db upgrade` (or `retention serve --migrate`)"
    problem = migrate.schema_problem(migrate.current_revision(engine), fix=fix)
    if problem is None:
        return
    typer.secho(f"refusing to serve: {problem}", fg="red", err=True)
    raise typer.Exit(EXIT_INPUT_OR_STATE)


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    configure_logging(settings.log_level, settings.log_format)
    _multiprocess_metrics(settings)
    typer.echo(f"dashboard: http://{host}:{port}/dashboard/")
    typer.echo(f"GraphQL:   http://{host}:{port}/graphql  (GraphiQL in a browser)")
    uvicorn.run(
        "graphql_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # The app configures logging in every worker (retention.logs) and writes its own request line.
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )


_METRIC_FILE = re.compile(
    r"(counter|histogram|summary|gauge_(all|liveall|min|livemin|max|livemax|sum|livesum|mostrecent|livemostrecent))_\d+\.db"
)


def _multiprocess_metrics(settings: Settings) -> None:
    # Before any worker imports prometheus-client: it picks multiprocess mode from this variable.
    folder = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="retention-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*_*.db"):  # a previous run's samples would be added to this one's
        # Only prometheus-client's own files (counter_123.db, gauge_livesum_123.db, …): the folder may be
        # shared by mistake with something else, the SQLite database among them.
        if _METRIC_FILE.fullmatch(stale.name):
            stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    if settings.metrics_bind:
        from retention import metrics

        metrics.start_listener(settings.metrics_bind, make_engine(settings.database_url))
        typer.echo(
            f"metrics:   http://{settings.metrics_bind}/metrics  (no key: keep it on a private network)"
        )
