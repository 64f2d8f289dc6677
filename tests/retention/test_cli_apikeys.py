"""`retention apikey` as an operator runs it: the key alone on the last line, list, revoke, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from retention.access import Unauthenticated
from retention.cli import app
from retention.services import api_keys
from retention.storage import migrate
from retention.storage.engine import make_engine

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETENTION_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(tmp_path / "models"))
    return database_url


def test_create_prints_a_working_key_alone_on_its_last_line_and_list_never_shows_it(workspace: str) -> None:
    created = runner.invoke(app, ["apikey", "create", "--name", "crm", "--scope", "write"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]

    listed = runner.invoke(app, ["apikey", "list"])

    engine = make_engine(workspace)
    try:
        assert api_keys.authenticate(engine=engine, secret=key).name == "crm"
    finally:
        engine.dispose()
    assert listed.exit_code == 0
    assert "crm" in listed.output and "write" in listed.output and "active" in listed.output
    assert key not in listed.output and key[:12] in listed.output


def test_revoke_stops_the_key_and_a_second_revoke_exits_1(workspace: str) -> None:
    key = runner.invoke(app, ["apikey", "create", "--name", "old", "--scope", "read"]).output.splitlines()[-1]

    revoked = runner.invoke(app, ["apikey", "revoke", "old"])
    again = runner.invoke(app, ["apikey", "revoke", "old"])

    assert revoked.exit_code == 0, revoked.output
    assert again.exit_code == 1 and "revoked already" in again.output
    engine = make_engine(workspace)
    try:
        with pytest.raises(Unauthenticated):
            api_keys.authenticate(engine=engine, secret=key)
    finally:
        engine.dispose()
    assert "revoked" in runner.invoke(app, ["apikey", "list"]).output


def test_a_taken_name_exits_1_and_an_unknown_scope_exits_2(workspace: str) -> None:
    assert runner.invoke(app, ["apikey", "create", "--name", "crm", "--scope", "read"]).exit_code == 0

    taken = runner.invoke(app, ["apikey", "create", "--name", "crm", "--scope", "read"])
    bad_scope = runner.invoke(app, ["apikey", "create", "--name", "x", "--scope", "owner"])
    unknown = runner.invoke(app, ["apikey", "revoke", "nobody"])

    assert taken.exit_code == 1 and "exists already" in taken.output
    assert bad_scope.exit_code == 2 and "read, write or admin" in bad_scope.output
    assert unknown.exit_code == 1 and "nobody" in unknown.output


def test_the_demo_prints_a_fresh_read_key_each_start_and_the_previous_one_stops_working(
    workspace: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from retention.cli_apikeys import print_demo_key
    from retention.config import Settings

    monkeypatch.setenv("RETENTION_DEMO_API_KEY", "")  # so the key the demo sets there is undone afterwards
    engine = make_engine(workspace)
    migrate.upgrade(engine)  # as the demo has done by then
    try:
        first = print_demo_key(engine, Settings())
        first_printed = capsys.readouterr().out.strip().splitlines()[-1]
        second = print_demo_key(engine, Settings())
        second_printed = capsys.readouterr().out.strip().splitlines()[-1]

        assert first.demo_api_key == first_printed and second.demo_api_key == second_printed
        assert first_printed != second_printed
        principal = api_keys.authenticate(engine=engine, secret=second_printed)
        assert (principal.name, principal.scope.value) == ("demo-read", "read")
        with pytest.raises(Unauthenticated):
            api_keys.authenticate(engine=engine, secret=first_printed)
        assert Settings().demo_api_key == second_printed  # the server uvicorn starts reads it from here
    finally:
        engine.dispose()
