"""The `retention` command: one group per noun (db, seed, train, score, models, serve, demo)."""

from __future__ import annotations

import logging
import sys
import tempfile
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from retention.cli_apikeys import apikey_app, print_demo_key, print_demo_user
from retention.cli_errors import (
    EXIT_CODES_HELP,
    EXIT_CONFIGURATION,
    EXIT_INPUT_OR_STATE,
    consequence_of,
    describe_failure,
)
from retention.cli_serve import run_server, serve
from retention.cli_settings import load_settings
from retention.cli_users import user_app
from retention.config import Settings
from retention.importing.load import import_csv
from retention.logs import configure_logging
from retention.storage import customers as customer_store
from retention.storage import migrate
from retention.storage.engine import make_engine

# The model side (scikit-learn, ONNX, numpy: ~2.5 s and ~100 MB to import) is imported by the commands
# that use it, so `retention seed --no-score` and `db upgrade` do not pay for it.
if TYPE_CHECKING:
    from retention.runtime import Runtime

app = typer.Typer(
    help="Retention: customer-churn early warning.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
models_app = typer.Typer(help="Model versions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(models_app, name="models")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.command()(serve)
log = logging.getLogger("retention")


@app.callback()
def _logging() -> None:
    # Commands print their own outcome; the log carries warnings and errors (`serve` switches to its
    # configured level and format).
    configure_logging("WARNING", "text", concise=True)


def _runtime() -> Runtime:
    from retention.runtime import build_runtime

    runtime = build_runtime(load_settings())
    migrate.upgrade(runtime.engine)
    return runtime


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    engine = make_engine(load_settings().database_url)
    migrate.upgrade(engine)
    typer.echo(f"database at revision {migrate.current_revision(engine)}")


def _score_if_model(runtime: Runtime, *, unscored_only: bool = False) -> None:
    from retention.services.scoring import Scope, score_customers

    scope = Scope.UNSCORED if unscored_only else Scope.ALL
    if runtime.refresh_active_model() or runtime.active_version:
        count = score_customers(
            engine=runtime.engine, model=runtime.active_model(), policy=runtime.policy, scope=scope
        )
        typer.echo(f"scored {count:,} customers with model {runtime.active_version}")


@app.command()
def seed(
    csv: Annotated[Path | None, typer.Option(help="Import this file (original system's CSV format).")] = None,
    generate: Annotated[
        int | None, typer.Option(help="Generate and import this many synthetic customers.")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the valid rows of a file and report the rest.")
    ] = False,
    score: Annotated[bool, typer.Option(help="Score the customers afterwards if a model is active.")] = True,
) -> None:
    """Import customers: the bundled seeds by default, a CSV file, or N generated profiles."""
    if csv is not None and generate is not None:
        raise typer.BadParameter("give --csv or --generate, not both")
    settings = load_settings()
    engine = make_engine(settings.database_url)  # the import needs no model: see _score_if_model
    migrate.upgrade(engine)
    chunk_size = settings.import_chunk_size
    if generate is not None:
        from seeds.generator import write_csv

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "generated.csv"
            write_csv(path, generate)
            report = import_csv(engine, path, chunk_size=chunk_size)
    elif csv is not None:
        report = import_csv(engine, csv, chunk_size=chunk_size, skip_invalid=skip_invalid)
    else:
        with as_file(files("seeds") / "customers.csv") as bundled:
            report = import_csv(engine, bundled, chunk_size=chunk_size)
    engine.dispose()
    typer.echo(report.summary(), err=report.refused)
    if report.refused:
        raise typer.Exit(1)
    if score:
        # Only the customers the file added or changed: the import cleared a changed customer's risk.
        _score_if_model(_runtime(), unscored_only=True)


@app.command()
def train(
    activate: Annotated[
        bool, typer.Option(help="Make the new version active even if another one is.")
    ] = False,
    truth: Annotated[
        Path | None, typer.Option(help="Generator's true probabilities: report the best achievable too.")
    ] = None,
    trees: Annotated[int, typer.Option(min=10, max=2000, help="Trees in the final forest.")] = 200,
) -> None:
    """Train a new model version on the labelled customers in the database and print its evaluation."""
    from retention.ml.evaluation import report_lines
    from retention.ml.search import SearchSpace
    from retention.ml.truth import read_truth
    from retention.services import models as model_service

    runtime = _runtime()
    trained = model_service.train_version(
        engine=runtime.engine,
        model_dir=runtime.settings.model_dir,
        policy=runtime.policy,
        space=SearchSpace(final_trees=trees),
        truth=read_truth(truth) if truth else None,
        activate=activate,
    )
    manifest = trained.manifest
    typer.echo(
        f"model {manifest.version}: {manifest.training_rows:,} training rows, "
        f"{manifest.test_rows:,} held out, {manifest.training_seconds:.0f} s"
    )
    chosen = ", ".join(f"{k}={v}" for k, v in manifest.params.items())
    typer.echo(f"  chosen by {manifest.search['method']} on the training rows: {chosen}")
    for line in report_lines("forest", manifest.metrics) + report_lines(
        "baseline", manifest.baseline_metrics
    ):
        typer.echo(f"  {line}")
    typer.echo(
        "  top drivers: " + ", ".join(f"{d.label} {d.importance:.3f}" for d in manifest.driver_records()[:5])
    )
    if trained.activated:
        typer.echo(f"  activated {manifest.version}")
        _score_if_model(runtime)
    else:
        typer.echo(f"  not activated; run `retention models activate {manifest.version}` to serve it")


@app.command()
def score() -> None:
    """Score every customer with the active model and keep the snapshots."""
    runtime = _runtime()
    if not runtime.refresh_active_model():
        runtime.active_model()
    _score_if_model(runtime)


@app.command()
def predict(
    source: Annotated[
        Path,
        typer.Option(
            "--input", exists=True, dir_okay=False, help="CSV in the import format; churn may be absent."
        ),
    ],
    target: Annotated[
        Path, typer.Option("--output", dir_okay=False, help="Scored CSV; replaced only if the run succeeds.")
    ],
    version: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Score with this version instead of the active one; its files are checked against the"
            " database's record of it, so the database is read (never written) either way.",
        ),
    ] = None,
    skip_invalid: Annotated[bool, typer.Option(help="Score the valid rows and report the rest.")] = False,
) -> None:
    """Score a CSV into a CSV of risks and top drivers (active model or --model); writes no database."""
    from retention.runtime import build_runtime
    from retention.services import models as model_service
    from retention.services.predict_file import predict_file, same_file

    if same_file(source, target):
        typer.secho(
            f"error (USAGE): --output {target} is the input file; write the scores elsewhere.", err=True
        )
        raise typer.Exit(EXIT_CONFIGURATION)
    runtime = build_runtime(load_settings())
    try:
        if version is not None:
            model = model_service.open_version(
                engine=runtime.engine, registry=runtime.registry, version=version
            )
        else:
            runtime.refresh_active_model()
            model = runtime.active_model()
        report = predict_file(model, runtime.policy, source, target, skip_invalid=skip_invalid)
    finally:
        runtime.close()
    typer.echo(report.summary(), err=report.refused)
    if report.refused:
        raise typer.Exit(1)


@models_app.command("list")
def models_list() -> None:
    """Every model version, newest first; * marks the active one, ! one that cannot be read."""
    from retention.services import models as model_service

    runtime = _runtime()
    versions = model_service.list_versions(engine=runtime.engine, model_dir=runtime.settings.model_dir)
    if not versions:
        typer.echo("no model versions yet: run `retention train`")
    for info in versions:
        m = info.manifest
        if m is None:
            typer.echo(f"! {info.version}  unreadable: {info.problem}")
            continue
        mark = "*" if info.active else " "
        unrecorded = "" if info.recorded else "  (no record in this database: cannot be loaded)"
        typer.echo(
            f"{mark} {m.version}  AUC {m.metrics['roc_auc']:.4f}  Brier {m.metrics['brier']:.4f}  "
            f"rows {m.training_rows:,}  {m.created_at}{unrecorded}"
        )


@models_app.command("activate")
def models_activate(version: str) -> None:
    """Make VERSION the active model (rollback included); every server switches within seconds."""
    from retention.services import models as model_service

    runtime = _runtime()
    manifest = model_service.activate_version(
        engine=runtime.engine, registry=runtime.registry, version=version
    )
    typer.echo(f"activated {manifest.version}")


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """First run on the embedded database: schema, seeds if empty, a model if none, scores, then serve."""
    runtime = _runtime()
    with runtime.engine.connect() as connection:
        empty = customer_store.count_customers(connection) == 0
    if empty:
        seed(csv=None, generate=None, skip_invalid=False, score=False)
    if not runtime.refresh_active_model() and runtime.active_version is None:
        train(activate=False, truth=None, trees=200)
    else:
        _score_if_model(runtime)
    print_demo_user(runtime.engine)
    settings = print_demo_key(runtime.engine, runtime.settings)
    runtime.close()
    run_server(settings, host or settings.host, port or settings.port, 1)


def _database_url() -> str | None:
    try:
        return Settings().database_url
    except ValidationError:
        return None


def main() -> None:
    """Entry point: run the CLI, turning every failure into one or two lines and an exit code."""
    try:
        app()
    except Exception as exc:  # the edge: each failure is translated once, with no traceback
        failure = describe_failure(exc, database_url=_database_url(), consequence=consequence_of(sys.argv))
        typer.secho(failure.message, fg="red", err=True)
        sys.exit(failure.exit_code or EXIT_INPUT_OR_STATE)
