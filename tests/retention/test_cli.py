"""The `retention` command as a user runs it: import, train, list, activate, score; clear failures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from retention.cli import app, main
from retention.storage.engine import make_engine
from retention.storage.tables import risk_scores
from tests.support import seed_csv

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETENTION_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(tmp_path / "models"))
    return database_url


def _snapshots(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(risk_scores)).scalar_one())
    finally:
        engine.dispose()


def test_seed_train_list_activate_and_score_work_end_to_end(workspace: str) -> None:
    seeded = runner.invoke(app, ["seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "5,000" in seeded.output

    first = runner.invoke(app, ["train", "--trees", "20"])
    assert first.exit_code == 0, first.output
    assert "ROC AUC" in first.output and "baseline" in first.output and "activated" in first.output
    assert _snapshots(workspace) == 5000

    second = runner.invoke(app, ["train", "--trees", "20"])
    assert "not activated" in second.output
    listed = runner.invoke(app, ["models", "list"]).output.splitlines()
    assert len(listed) == 2 and listed[1].startswith("*")

    newer = listed[0].split()[0]
    assert runner.invoke(app, ["models", "activate", newer]).exit_code == 0
    assert runner.invoke(app, ["models", "list"]).output.splitlines()[0].startswith(f"* {newer}")
    assert runner.invoke(app, ["score"]).exit_code == 0
    assert _snapshots(workspace) == 10000


def test_a_file_with_a_bad_line_is_refused_with_exit_code_1_naming_the_line(
    workspace: str, tmp_path: Path
) -> None:
    lines = seed_csv().read_text().splitlines()
    fields = lines[499].split(",")
    fields[3] = "abc"  # tenure_months on line 500
    lines[499] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")

    result = runner.invoke(app, ["seed", "--csv", str(bad)])

    assert result.exit_code == 1
    assert "line 500" in result.output and "tenure_months" in result.output


def test_unknown_model_version_is_refused_with_exit_code_1_and_a_message(
    workspace: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["retention", "models", "activate", "20260101T000000Z-deadbeef"])

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 1
    assert "NOT_FOUND" in capsys.readouterr().err


def test_a_bad_setting_stops_with_exit_code_2_naming_the_variable(
    workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETENTION_TIER_HIGH", "0.1")

    result = runner.invoke(app, ["score"])

    assert result.exit_code == 2
    assert "RETENTION_TIER_MEDIUM < RETENTION_TIER_HIGH" in result.output


def test_seed_generate_makes_and_imports_that_many_profiles(workspace: str) -> None:
    result = runner.invoke(app, ["seed", "--generate", "250"])

    assert result.exit_code == 0, result.output
    assert "250" in result.output
