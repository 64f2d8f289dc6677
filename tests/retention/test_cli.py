"""The `retention` command as a user runs it: import, train, list, activate, score; clear failures."""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from retention.cli import app, main
from retention.ml.artifacts import MANIFEST_NAME
from retention.storage.engine import make_engine
from retention.storage.tables import customers, risk_scores
from seeds.generator import write_csv
from tests.support import MYSQL_URL_VARIABLE, ScoredDatabase, fresh_database, migrated_engine, seed_csv

runner = CliRunner()


class Outcome(NamedTuple):
    code: int
    out: str
    err: str


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


# --- failures as a user meets them: through the real entry point, one or two lines, an exit code ---


def _main(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Outcome:
    monkeypatch.setattr(sys, "argv", ["retention", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return Outcome(int(exited.value.code or 0), captured.out, captured.err)


def test_exit_code_0_on_success(
    workspace: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = _main(["models", "list"], monkeypatch, capsys)

    assert outcome.code == 0
    assert "no model versions yet" in outcome.out


def test_exit_code_1_on_bad_input(
    workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("not,the,header\n1,2,3\n")

    outcome = _main(["seed", "--csv", str(bad)], monkeypatch, capsys)

    assert outcome.code == 1
    assert "header" in outcome.err


@pytest.mark.parametrize(
    ("args", "setting"),
    [
        (["seed", "--no-such-option"], None),
        (["score"], ("RETENTION_PORT", "eighty")),
        (["score"], ("RETENTION_DATABASE_URL", "mysql+pymysql://root:s3cret@db:notaport/x")),
    ],
    ids=["usage", "bad RETENTION_ value", "unparsable database URL"],
)
def test_exit_code_2_on_bad_usage_or_configuration(
    workspace: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    setting: tuple[str, str] | None,
) -> None:
    if setting is not None:
        monkeypatch.setenv(*setting)

    outcome = _main(args, monkeypatch, capsys)

    assert outcome.code == 2
    expected = "no-such-option" if setting is None else setting[0].removeprefix("RETENTION_").lower()
    assert expected in outcome.err.lower()
    assert "s3cret" not in outcome.err


def test_help_documents_the_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])

    assert "Exit codes: 0 success; 1 bad input or state" in " ".join(result.output.split())


def test_models_list_marks_an_unreadable_manifest_and_lists_the_others(
    scored_database: ScoredDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the scored database's model folder plus a version whose manifest is not JSON
    models = tmp_path / "models"
    shutil.copytree(scored_database.model_dir, models)
    broken = models / "20991231T000000Z-0badf00d"
    broken.mkdir()
    (broken / MANIFEST_NAME).write_text("{ not json")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETENTION_DATABASE_URL", scored_database.url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(models))

    result = runner.invoke(app, ["models", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("! 20991231T000000Z-0badf00d  unreadable: ")
    assert lines[1].startswith(f"* {scored_database.model_version}  AUC ")


@pytest.mark.parametrize("spelling", ["same", "relative", "symlink", "hard link"])
def test_predict_refuses_an_output_that_is_the_input_before_writing_anything(
    workspace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spelling: str,
) -> None:
    source = tmp_path / "customers.csv"
    shutil.copyfile(seed_csv(), source)
    before = source.read_bytes()
    target = {"same": source, "relative": Path("./sub/../customers.csv")}.get(
        spelling, tmp_path / "alias.csv"
    )
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        target.symlink_to(source)
    elif spelling == "hard link":
        target.hardlink_to(source)

    outcome = _main(["predict", "--input", str(source), "--output", str(target)], monkeypatch, capsys)

    assert outcome.code == 2
    assert outcome.err.startswith("error (USAGE): --output") and "is the input file" in outcome.err
    assert len(outcome.err.splitlines()) == 1
    assert source.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_short_and_clean(err: str, rows: list[dict[str, str]]) -> None:
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    for leaked in ("INSERT", "SELECT", "VALUES", "Traceback", "s3cret"):
        assert leaked not in err, err
    for row in rows:
        assert row["name"] not in err and row["email"] not in err, err


def test_a_refused_database_connection_is_two_lines_at_most_with_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a database URL, with a password, on a port nothing listens on
    monkeypatch.chdir(tmp_path)
    port = _free_port()
    monkeypatch.setenv("RETENTION_DATABASE_URL", f"mysql+pymysql://root:s3cret@127.0.0.1:{port}/nothing")

    outcome = _main(["seed", "--csv", str(seed_csv())], monkeypatch, capsys)

    assert outcome.code == 1
    assert "error (UNAVAILABLE)" in outcome.err
    assert f"mysql+pymysql://root:***@127.0.0.1:{port}/nothing" in outcome.err
    _assert_short_and_clean(outcome.err, _rows(seed_csv())[:200])


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _kill_the_importer(server_url: str, database: str, stop: threading.Event, killed: list[int]) -> None:
    engine = create_engine(server_url, poolclass=NullPool)
    try:
        with engine.connect() as watcher:
            while not stop.is_set() and not killed:
                for pid, info in watcher.exec_driver_sql(
                    "SELECT id, info FROM information_schema.processlist"
                    " WHERE db = %s AND id <> CONNECTION_ID()",
                    (database,),
                ):
                    text = (info or "").lstrip().upper()
                    if text.startswith(("INSERT", "LOAD", "REPLACE")) and "ALEMBIC" not in text:
                        watcher.exec_driver_sql(f"KILL {int(pid)}")
                        killed.append(int(pid))
                        break
                time.sleep(0.01)
    finally:
        engine.dispose()


@pytest.mark.mysql
def test_a_database_lost_in_the_middle_of_an_import_is_two_lines_with_no_row_data(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a file big enough to take a while, and a MariaDB session that kills the importer mid-write
    big = tmp_path / "big.csv"
    write_csv(big, 40_000)
    with fresh_database("mysql", tmp_path) as url, migrated_engine(url) as engine:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("RETENTION_DATABASE_URL", url)
        monkeypatch.setenv("RETENTION_LOG_LEVEL", "DEBUG")
        stop, killed = threading.Event(), []
        watcher = threading.Thread(
            target=_kill_the_importer,
            args=(os.environ[MYSQL_URL_VARIABLE], make_url(url).database, stop, killed),
        )
        watcher.start()
        try:
            # when the import runs
            outcome = _main(["seed", "--csv", str(big), "--no-score"], monkeypatch, capsys)
        finally:
            stop.set()
            watcher.join()
            logging.getLogger("retention").setLevel(logging.NOTSET)

        # then it fails in at most two lines naming the database, with no SQL, names or emails
        assert killed, "the importer was never seen writing"
        assert outcome.code == 1
        assert "error (UNAVAILABLE)" in outcome.err and "nothing was written" in outcome.err
        # (at DEBUG the log's lines share stderr with the message; the message itself is the rest)
        message = outcome.err[outcome.err.index("error (UNAVAILABLE)") :]
        _assert_short_and_clean(message, _rows(big))
        assert not [r for r in _rows(big) if r["email"] in outcome.err or r["customer_id"] in outcome.err]
        # and the debug log says what failed and where, but holds no statement or row either
        # (a kill mid LOAD DATA reaches the driver as InterfaceError, mid executemany as OperationalError)
        assert re.search(r"command failed: (OperationalError|InterfaceError) \(driver", caplog.text)
        rows = _rows(big)
        assert not [r for r in rows if r["email"] in caplog.text or r["customer_id"] in caplog.text]
        assert "INSERT" not in caplog.text
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(customers)).scalar_one() == 0
