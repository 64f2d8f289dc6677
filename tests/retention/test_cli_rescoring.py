"""`retention seed` into a database with an active model scores only what the file wrote; `score` all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from retention.cli import app
from retention.storage.tables import customers, risk_scores, score_runs
from tests.support import ScoredDatabase, seed_csv

runner = CliRunner()


@pytest.fixture
def cli_on(scored_database: ScoredDatabase, monkeypatch: pytest.MonkeyPatch) -> ScoredDatabase:
    monkeypatch.setenv("RETENTION_DATABASE_URL", scored_database.url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(scored_database.model_dir))
    return scored_database


def _new_customers_file(directory: Path, count: int) -> Path:
    """The first `count` test profiles again, under customer ids the database has never seen."""
    header, *lines = seed_csv().read_text(encoding="utf-8").splitlines()
    renamed = [f"NEW{i:05d}," + line.split(",", 1)[1] for i, line in enumerate(lines[:count])]
    path = directory / "new.csv"
    path.write_text("\n".join([header, *renamed]) + "\n", encoding="utf-8")
    return path


def _snapshots_by_customer(database: ScoredDatabase) -> dict[str, int]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(customers.c.customer_id, func.count(risk_scores.c.id))
            .select_from(customers.outerjoin(risk_scores, risk_scores.c.customer_pk == customers.c.id))
            .group_by(customers.c.customer_id)
        ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def test_seeding_new_customers_scores_those_customers_only(cli_on: ScoredDatabase, tmp_path: Path) -> None:
    # given every customer scored by the active model
    before = _snapshots_by_customer(cli_on)

    # when a file of 4 new customers is imported
    result = runner.invoke(app, ["seed", "--csv", str(_new_customers_file(tmp_path, 4))])

    # then exactly those 4 got a snapshot, in one run of the unscored scope, and nobody else did
    assert result.exit_code == 0, result.output
    assert "scored 4 customers" in result.output
    after = _snapshots_by_customer(cli_on)
    assert {k: v for k, v in after.items() if k not in before} == {f"NEW{i:05d}": 1 for i in range(4)}
    assert {k: after[k] for k in before} == before
    with cli_on.engine.connect() as connection:
        latest = select(score_runs.c.kind).order_by(score_runs.c.id.desc()).limit(1)
        kind = connection.execute(latest).scalar_one()
    assert kind == "unscored"


def test_score_command_scores_every_customer_again(cli_on: ScoredDatabase) -> None:
    # given every customer scored
    before = _snapshots_by_customer(cli_on)

    # when `retention score` runs
    result = runner.invoke(app, ["score"])

    # then every customer has one snapshot more
    assert result.exit_code == 0, result.output
    assert _snapshots_by_customer(cli_on) == {k: v + 1 for k, v in before.items()}
