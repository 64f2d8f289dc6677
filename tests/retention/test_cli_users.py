"""`retention user` as an operator runs it: create (password asked for, never echoed), list, disable."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from retention.cli import app
from retention.services import users
from retention.storage.engine import make_engine

runner = CliRunner()
PASSWORD = "a long enough passphrase"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETENTION_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(tmp_path / "models"))
    return database_url


def test_create_asks_for_the_password_twice_and_the_user_can_sign_in(workspace: str) -> None:
    created = runner.invoke(
        app, ["user", "create", "--username", "ada", "--role", "editor"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert created.exit_code == 0, created.output
    assert "created user 'ada' with role editor" in created.output and PASSWORD not in created.output
    engine = make_engine(workspace)
    try:
        assert users.authenticate(engine=engine, username="ada", password=PASSWORD).role.value == "editor"
    finally:
        engine.dispose()
    listed = runner.invoke(app, ["user", "list"])
    assert "ada  editor" in listed.output and "active" in listed.output


def test_disable_then_list_says_so_and_a_second_disable_fails(workspace: str) -> None:
    runner.invoke(app, ["user", "create", "--username", "ada", "--role", "viewer", "--password", PASSWORD])

    assert runner.invoke(app, ["user", "disable", "ada"]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["user", "list"]).output
    again = runner.invoke(app, ["user", "disable", "ada"])
    assert again.exit_code == 1 and "NOT_FOUND" in again.output


@pytest.mark.parametrize(
    ("arguments", "code", "says"),
    [
        (["--username", "ada", "--role", "owner", "--password", PASSWORD], 2, "viewer, editor or admin"),
        (["--username", "ada", "--role", "viewer", "--password", "short"], 1, "password"),
        (["--username", "a!", "--role", "viewer", "--password", PASSWORD], 1, "username"),
    ],
)
def test_bad_input_exits_naming_it(workspace: str, arguments: list[str], code: int, says: str) -> None:
    result = runner.invoke(app, ["user", "create", *arguments])

    assert result.exit_code == code and says in result.output
