"""`retention user create|list|disable`: dashboard users (exit 0 ok, 1 bad input or state, 2 usage)."""

from __future__ import annotations

from typing import Annotated

import typer

from retention.access import Role
from retention.cli_apikeys import engine_for_command
from retention.errors import RetentionError
from retention.services import users as user_service

user_app = typer.Typer(help="Dashboard users and their roles.", no_args_is_help=True)


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except RetentionError as exc:
        raise typer.BadParameter(exc.message) from exc


@user_app.command("create")
def create(
    username: Annotated[str, typer.Option(help="3 to 64 lower-case letters, digits and . _ -")],
    role: Annotated[
        str, typer.Option(help="viewer (read), editor (+ edit customers) or admin (+ models, users).")
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help=f"At least {user_service.MIN_PASSWORD} characters; asked for when left out (not echoed).",
        ),
    ],
) -> None:
    """Create a user; the password is kept only as an Argon2id hash."""
    wanted = _role(role)
    with engine_for_command() as engine:
        user = user_service.create_user(engine=engine, username=username, password=password, role=wanted)
    typer.echo(f"created user {user.username!r} with role {user.role.value}")


@user_app.command("list")
def list_() -> None:
    """Every user: username, role, created, last sign-in, disabled."""
    with engine_for_command() as engine:
        found = user_service.list_users(engine=engine)
    if not found:
        typer.echo("no users yet: run `retention user create --username NAME --role viewer`")
    for user in found:
        signed = user.last_sign_in_at.isoformat(timespec="seconds") if user.last_sign_in_at else "never"
        state = f"disabled {user.disabled_at.isoformat(timespec='seconds')}" if user.disabled_at else "active"
        created = user.created_at.isoformat(timespec="seconds")
        typer.echo(f"{user.username}  {user.role.value:<6}  created {created}  signed in {signed}  {state}")


@user_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Disable a user: they can no longer sign in (kept, so what they did stays attributable)."""
    with engine_for_command() as engine:
        user_service.disable_user(engine=engine, username=username)
    typer.echo(f"disabled user {username!r}")
