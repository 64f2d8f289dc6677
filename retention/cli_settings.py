"""The settings every command reads, refused with a one-line message naming what is wrong."""

from __future__ import annotations

import logging

import typer
from pydantic import ValidationError

from retention.cli_errors import EXIT_CONFIGURATION, valid_database_url
from retention.config import Settings

log = logging.getLogger("retention")


def load_settings() -> Settings:
    """Settings from the environment and .env, or exit 2 with what is wrong (never the URL's password)."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        typer.secho(f"configuration error: {problems}", fg="red", err=True)
        raise typer.Exit(EXIT_CONFIGURATION) from exc
    if not valid_database_url(settings.database_url):
        # The parser's text could quote part of the URL (a password among it): name the variable only.
        typer.secho(
            "configuration error: RETENTION_DATABASE_URL is not a valid URL (check the host, the port"
            " and that special characters in the password are %-encoded)",
            fg="red",
            err=True,
        )
        raise typer.Exit(EXIT_CONFIGURATION)
    if settings.log_level == "DEBUG":
        # Ours only: SQLAlchemy's own loggers at DEBUG would write every statement and its parameters.
        log.setLevel(logging.DEBUG)
    return settings
