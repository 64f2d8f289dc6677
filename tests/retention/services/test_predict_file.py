"""Scoring a CSV file into a scored CSV: every row as the model scores it, all-or-nothing, no database."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from retention.cli import app
from retention.errors import InvalidInput, ModelNotReady
from retention.importing.parse import RowError
from retention.ml.matrix import matrix_from_profiles
from retention.ml.registry import LoadedModel
from retention.reasons import top_reasons
from retention.services.predict_file import OUTPUT_HEADER, PredictReport, predict_file
from retention.storage.tables import customers, model_activations, risk_scores
from tests.factories import POLICY
from tests.support import ScoredDatabase, migrated_engine, seed_csv

runner = CliRunner()
SENTENCE = re.compile(r".+: [+-][0-9]+(\.[0-9])? points")
BAD_LINE = 500  # physical line: the header is line 1, so this is the 499th customer


@pytest.fixture
def model(scored_database: ScoredDatabase) -> LoadedModel:
    return scored_database.load_model()


def seed_rows() -> list[dict[str, str]]:
    with seed_csv().open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write_input(
    path: Path,
    rows: Iterable[dict[str, str]],
    *,
    without: tuple[str, ...] = ("churn",),
    changes: dict[int, dict[str, str]] | None = None,
) -> Path:
    """The seeds in the import format without the `without` columns; `changes` edits rows by physical line."""
    rows = list(rows)
    names = [name for name in rows[0] if name not in without]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for line, row in enumerate(rows, start=2):
            edited = {**row, **(changes or {}).get(line, {})}
            writer.writerow([edited[name] for name in names])
    return path


def read_output(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == OUTPUT_HEADER
        return list(reader)


def counts(report: PredictReport) -> tuple[int, int, int, bool]:
    return report.rows_read, report.rows_scored, report.rows_invalid, report.refused


def database_state(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        return (
            connection.execute(select(func.count(), func.max(customers.c.updated_at))).one(),
            connection.execute(
                select(func.count(), func.max(customers.c.risk_scored_at)).select_from(customers)
            ).one(),
            connection.execute(select(func.count()).select_from(risk_scores)).scalar_one(),
            connection.execute(select(func.count()).select_from(model_activations)).scalar_one(),
        )


def test_a_file_without_the_churn_column_is_scored_row_by_row_as_the_model_scores_it(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given the seeds without their churn column, and the model's own view of them
    rows = seed_rows()
    source = write_input(tmp_path / "customers.csv", rows)
    matrix = matrix_from_profiles(rows)
    explained = model.explain(matrix)
    forest = model.pipeline.predict_proba(matrix)[:, 1]

    # when the file is scored in chunks that do not divide it evenly
    report = predict_file(model, POLICY, source, tmp_path / "scored.csv", chunk_size=128, progress=False)

    # then every row is scored, in order, with the model's probability, score, tier and three drivers
    assert counts(report) == (1000, 1000, 0, False)
    assert report.model_version == model.version and report.errors == ()
    scored = read_output(tmp_path / "scored.csv")
    assert [row["customer_id"] for row in scored] == [row["customer_id"] for row in rows]
    explained_p = explained.probabilities
    assert np.max(np.abs(explained_p - forest)) <= 1e-9
    written = np.array([float(row["probability"]) for row in scored])
    assert np.max(np.abs(written - forest)) <= 5e-7 + 1e-9  # six decimals
    for i, row in enumerate(scored):
        p = float(explained_p[i])
        assert row["probability"] == f"{p:.6f}"
        assert int(row["score"]) == round(100 * p)
        assert row["tier"] == POLICY.tier(p).value
        drivers = [row["driver_1"], row["driver_2"], row["driver_3"]]
        assert drivers == [r.sentence for r in top_reasons(matrix[i], explained.contributions[i], limit=3)]
        assert all(SENTENCE.fullmatch(driver) for driver in drivers), drivers


def test_a_file_without_either_optional_column_scores_like_the_full_export(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given the seeds as exported, and the same without churn and health_score
    full = tmp_path / "full.csv"
    full.write_bytes(seed_csv().read_bytes())
    bare = write_input(tmp_path / "bare.csv", seed_rows(), without=("churn", "health_score"))

    # when both are scored
    predict_file(model, POLICY, full, tmp_path / "full-scored.csv", progress=False)
    predict_file(model, POLICY, bare, tmp_path / "bare-scored.csv", progress=False)

    # then the outputs are identical
    assert (tmp_path / "bare-scored.csv").read_bytes() == (tmp_path / "full-scored.csv").read_bytes()


def test_a_bad_value_refuses_the_whole_file_naming_its_line_and_writes_no_output(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given a file whose line 500 has a tenure that is not a number
    source = write_input(tmp_path / "bad.csv", seed_rows(), changes={BAD_LINE: {"tenure_months": "abc"}})

    # when it is scored
    report = predict_file(model, POLICY, source, tmp_path / "scored.csv", chunk_size=100, progress=False)

    # then it is refused, the line is named, and nothing is left beside the input
    assert counts(report) == (1000, 0, 1, True)
    assert report.errors == (RowError(BAD_LINE, "tenure_months", "abc", "is not a whole number"),)
    assert "line 500, column tenure_months: 'abc' is not a whole number" in report.summary()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.csv"]


def test_a_nul_byte_in_a_name_refuses_the_file_naming_line_and_column(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given a file whose line 500 holds a NUL inside the name
    source = write_input(tmp_path / "nul.csv", seed_rows(), changes={BAD_LINE: {"name": "Seer\x00Ilangovan"}})

    # when it is scored
    report = predict_file(model, POLICY, source, tmp_path / "scored.csv", chunk_size=100, progress=False)

    # then it is refused as the importer refuses it, and no output is written
    assert counts(report) == (1000, 0, 1, True)
    assert (
        "line 500, column name: 'Seer\\x00Ilangovan' holds the control character U+0000" in report.summary()
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["nul.csv"]


def test_a_refused_file_leaves_an_existing_output_as_it_was(model: LoadedModel, tmp_path: Path) -> None:
    # given an earlier output and a file with a bad plan name
    target = tmp_path / "scored.csv"
    target.write_text("an earlier run's output\n")
    source = write_input(tmp_path / "bad.csv", seed_rows(), changes={2: {"subscription_type": "Gold"}})

    # when the file is scored
    report = predict_file(model, POLICY, source, target, progress=False)

    # then the earlier output is still there, unchanged, and no temporary file is left
    assert report.refused
    assert target.read_text() == "an earlier run's output\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.csv", "scored.csv"]


def test_a_wrong_header_is_refused_before_anything_is_written(model: LoadedModel, tmp_path: Path) -> None:
    # given a file without the required email column
    source = write_input(tmp_path / "no-email.csv", seed_rows(), without=("churn", "email"))

    # when it is scored, then it is refused naming the file and the missing column
    with pytest.raises(InvalidInput, match=r"no-email\.csv: line 1: wrong header \(missing columns: email\)"):
        predict_file(model, POLICY, source, tmp_path / "scored.csv", progress=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["no-email.csv"]


def test_skip_invalid_writes_the_good_rows_and_reports_the_bad_ones(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given a file with bad values on two lines
    rows = seed_rows()
    changes = {3: {"monthly_charges": "-5"}, BAD_LINE: {"usage_drop_flag": "yes"}}
    source = write_input(tmp_path / "bad.csv", rows, changes=changes)

    # when it is scored skipping invalid rows
    report = predict_file(model, POLICY, source, tmp_path / "scored.csv", skip_invalid=True, progress=False)

    # then every other row is written and both lines are reported
    assert counts(report) == (1000, 998, 2, False)
    problems = [(error.line, error.column) for error in report.errors]
    assert problems == [(3, "monthly_charges"), (BAD_LINE, "usage_drop_flag")]
    skipped = {rows[1]["customer_id"], rows[BAD_LINE - 2]["customer_id"]}
    written = [row["customer_id"] for row in read_output(tmp_path / "scored.csv")]
    assert written == [row["customer_id"] for row in rows if row["customer_id"] not in skipped]
    assert "skipped 2 invalid rows" in report.summary()


def test_a_customer_id_that_repeats_is_scored_each_time_it_appears(
    model: LoadedModel, tmp_path: Path
) -> None:
    # given the same customer twice, once with a different last login
    first = seed_rows()[0]
    later = {**first, "last_login_days": "300"}
    source = write_input(tmp_path / "twice.csv", [first, later])

    # when the file is scored
    report = predict_file(model, POLICY, source, tmp_path / "scored.csv", progress=False)

    # then both rows are scored, each by its own values
    scored = read_output(tmp_path / "scored.csv")
    assert report.rows_scored == 2 and [row["customer_id"] for row in scored] == [first["customer_id"]] * 2
    expected = model.explain(matrix_from_profiles([first, later])).probabilities
    assert [row["probability"] for row in scored] == [f"{p:.6f}" for p in expected]


def _use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, model_dir: Path) -> None:
    monkeypatch.chdir(tmp_path)  # so no .env of the developer's is read
    monkeypatch.setenv("RETENTION_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(model_dir))


def test_the_cli_scores_with_the_active_model_and_writes_nothing_to_the_database(
    scored_database: ScoredDatabase, model: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the scored database with its active model, and a file without churn
    _use(monkeypatch, tmp_path, scored_database.url, scored_database.model_dir)
    source = write_input(tmp_path / "customers.csv", seed_rows())
    before = database_state(scored_database.engine)

    # when it is scored without naming a model
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(tmp_path / "scored.csv")])

    # then it is scored by the active version and the database is as it was
    assert result.exit_code == 0, result.output
    assert f"Scored 1,000 of 1,000 rows with model {scored_database.model_version}" in result.output
    assert len(read_output(tmp_path / "scored.csv")) == 1000
    assert database_state(scored_database.engine) == before


def test_the_cli_with_a_model_version_checks_it_against_the_database_and_writes_nothing_there(
    scored_database: ScoredDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the scored database, whose record of the version vouches for its files
    _use(monkeypatch, tmp_path, scored_database.url, scored_database.model_dir)
    source = write_input(tmp_path / "customers.csv", seed_rows()[:10])
    before = database_state(scored_database.engine)

    # when a file is scored with --model
    result = runner.invoke(
        app,
        ["predict", "--input", str(source), "--output", str(tmp_path / "scored.csv")]
        + ["--model", scored_database.model_version],
    )

    # then it succeeds and the database is as it was
    assert result.exit_code == 0, result.output
    assert "Scored 10 of 10 rows" in result.output
    assert len(read_output(tmp_path / "scored.csv")) == 10
    assert database_state(scored_database.engine) == before


def test_the_cli_refuses_a_model_version_a_database_has_no_record_of(
    scored_database: ScoredDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fresh database that never trained the version
    other = tmp_path / "other.db"
    with migrated_engine(f"sqlite:///{other}"):
        pass
    _use(monkeypatch, tmp_path, f"sqlite:///{other}", scored_database.model_dir)
    source = write_input(tmp_path / "customers.csv", seed_rows()[:10])

    # when a file is scored with that version
    result = runner.invoke(
        app,
        ["predict", "--input", str(source), "--output", str(tmp_path / "scored.csv")]
        + ["--model", scored_database.model_version],
    )

    # then it is refused, saying why, and nothing is written
    assert result.exit_code != 0
    assert "no record in this database" in str(result.exception)
    assert not (tmp_path / "scored.csv").exists()


def test_the_cli_exits_1_on_a_file_with_a_bad_line_and_writes_no_output(
    scored_database: ScoredDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a file with a bad value on line 500
    _use(monkeypatch, tmp_path, scored_database.url, scored_database.model_dir)
    source = write_input(tmp_path / "bad.csv", seed_rows(), changes={BAD_LINE: {"tenure_months": "abc"}})

    # when it is scored
    result = runner.invoke(
        app,
        ["predict", "--input", str(source), "--output", str(tmp_path / "scored.csv")]
        + ["--model", scored_database.model_version],
    )

    # then the run fails naming the line, and there is no output
    assert result.exit_code == 1
    assert "Refused" in result.output and "line 500, column tenure_months" in result.output
    assert not (tmp_path / "scored.csv").exists()


def test_the_cli_without_an_active_model_fails_as_model_not_ready(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an empty database where no version was ever activated
    _use(monkeypatch, tmp_path, database_url, tmp_path / "models")
    source = write_input(tmp_path / "customers.csv", seed_rows()[:10])

    # when a file is scored without --model
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(tmp_path / "scored.csv")])

    # then the core's ModelNotReady ends the run (main() turns it into a message and exit code 1)
    assert isinstance(result.exception, ModelNotReady)
    assert result.exit_code == 1
    assert not (tmp_path / "scored.csv").exists()
