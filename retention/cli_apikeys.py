"""`retention apikey create|list|revoke`: API keys (exit 0 ok, 1 bad input or state, 2 usage or config)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import Engine

from retention.access import Scope
from retention.config import Settings
from retention.errors import RetentionError
from retention.services import api_keys as key_service
from retention.storage import migrate
from retention.storage.engine import make_engine

apikey_app = typer.Typer(help="API keys for the GraphQL API.", no_args_is_help=True)


@contextmanager
def engine_for_command() -> Iterator[Engine]:
    """The configured database, migrated, for one command; configuration and core errors become exits."""
    try:
        settings = Settings()
    except ValidationError as exc:
        typer.secho(f"configuration error: {exc.errors()[0]['msg']}", fg="red", err=True)
        raise typer.Exit(2) from exc
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        yield engine
    except RetentionError as exc:
        typer.secho(f"error ({exc.code}): {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _scope(text: str) -> Scope:
    try:
        return Scope.parse(text)
    except RetentionError as exc:
        raise typer.BadParameter(exc.message) from exc


@apikey_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="A unique name, e.g. crm-sync.")],
    scope: Annotated[
        str, typer.Option(help="read (queries), write (+ customer writes) or admin (+ models, jobs).")
    ],
) -> None:
    """Create a key and print it, alone on the last line: it is shown this once and stored only as a hash."""
    wanted = _scope(scope)
    with engine_for_command() as engine:
        created = key_service.create_key(engine=engine, name=name, scope=wanted)
    typer.echo(f"created API key {created.key.name!r} with scope {wanted.value}; it is shown only now:")
    typer.echo(created.secret)


@apikey_app.command("list")
def list_() -> None:
    """Every key: name, scope, the key's first characters, created, last used, revoked."""
    with engine_for_command() as engine:
        keys = key_service.list_keys(engine=engine)
    if not keys:
        typer.echo("no API keys yet: run `retention apikey create --name NAME --scope read`")
    for key in keys:
        used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
        state = f"revoked {key.revoked_at.isoformat(timespec='seconds')}" if key.revoked_at else "active"
        typer.echo(
            f"{key.name}  {key.scope.value:<5}  {key.prefix}…  "
            f"created {key.created_at.isoformat(timespec='seconds')}  used {used}  {state}"
        )


@apikey_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: every server refuses it within seconds."""
    with engine_for_command() as engine:
        key_service.revoke_key(engine=engine, name=name)
    typer.echo(f"revoked API key {name!r}")


DEMO_KEY_NAME = "demo-read"
DEMO_USER = "demo"


def print_demo_user(engine: Engine) -> None:
    """A dashboard admin for this demo run, with a fresh password printed (replaced at every start)."""
    from retention.access import Role
    from retention.services import users as user_service

    password = user_service.reissue_user(engine=engine, username=DEMO_USER, role=Role.ADMIN)
    typer.echo(f"dashboard sign-in (admin, password replaced at every demo start): {DEMO_USER} / {password}")


def print_demo_key(engine: Engine, settings: Settings) -> Settings:
    """Issue a fresh read key for this demo run, print it, and hand it to the server for GraphiQL.

    A key is shown once, so the demo cannot print the key it made last time: it replaces the key named
    demo-read at every start (the previous one stops working) and prints the new one. The server gets it
    through RETENTION_DEMO_API_KEY and prefills GraphiQL's Authorization header with it only for browsers
    on this machine (see docs/api.md).
    """
    created = key_service.reissue_key(engine=engine, name=DEMO_KEY_NAME, scope=Scope.READ)
    typer.echo(f"API key {DEMO_KEY_NAME!r} (read scope, replaced at every demo start):")
    typer.echo(created.secret)
    os.environ["RETENTION_DEMO_API_KEY"] = created.secret  # read by the server uvicorn starts in this process
    return settings.model_copy(update={"demo_api_key": created.secret})
