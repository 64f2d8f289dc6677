"""Score runs: a run stopped part-way and run again keeps one snapshot per customer; scopes; both writers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text, update

import retention.services.scoring as scoring
import retention.storage.scores as scores
from retention.ml.registry import LoadedModel
from retention.services.scoring import Scope, score_customers
from retention.storage import runs as run_store
from retention.storage.contributions import decode
from retention.storage.customers import RISK_COLUMNS
from retention.storage.tables import customers, risk_scores, score_runs
from tests.factories import POLICY
from tests.support import ScoredDatabase

CHUNK = 100


class WriterCrash(RuntimeError):
    """Stands for the database or the process going away in the middle of a run."""


@pytest.fixture
def model(scored_database: ScoredDatabase) -> LoadedModel:
    return scored_database.load_model()


def _failing_after(chunks: int, write: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > chunks:
            raise WriterCrash(f"lost the database after chunk {chunks}")
        return write(*args, **kwargs)

    return write_then_fail


def _runs(engine: Engine) -> dict[int, tuple[str, str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                score_runs.c.id, score_runs.c.state, score_runs.c.model_version, score_runs.c.customers_scored
            )
        ).all()
    return {int(r[0]): (str(r[1]), str(r[2]), int(r[3])) for r in rows}


def _snapshots_per_customer(engine: Engine, run_id: int) -> dict[int, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(risk_scores.c.customer_pk, func.count())
            .where(risk_scores.c.run_id == run_id)
            .group_by(risk_scores.c.customer_pk)
        ).all()
    return {int(r[0]): int(r[1]) for r in rows}


@pytest.mark.parametrize("left_as", [run_store.RUNNING, run_store.INTERRUPTED], ids=["killed", "crashed"])
def test_a_run_stopped_after_some_chunks_and_run_again_keeps_one_snapshot_per_customer(
    scored_database: ScoredDatabase, model: LoadedModel, monkeypatch: pytest.MonkeyPatch, left_as: str
) -> None:
    # given a run whose writer dies after storing 3 chunks of 100
    engine = scored_database.engine
    before = set(_runs(engine))
    with monkeypatch.context() as patch:
        patch.setattr(scoring, "insert_snapshots", _failing_after(3, scoring.insert_snapshots))
        with pytest.raises(WriterCrash):
            score_customers(engine=engine, model=model, policy=POLICY, chunk_size=CHUNK, progress=False)
    (run_id,) = set(_runs(engine)) - before
    assert _runs(engine)[run_id][0] == run_store.INTERRUPTED
    assert len(_snapshots_per_customer(engine, run_id)) == 3 * CHUNK
    if left_as == run_store.RUNNING:  # a SIGKILL leaves the run as it was while it ran
        with engine.begin() as connection:
            connection.execute(update(score_runs).where(score_runs.c.id == run_id).values(state=left_as))

    # when it is run again
    scored = score_customers(engine=engine, model=model, policy=POLICY, chunk_size=CHUNK, progress=False)

    # then the same run finished, with exactly one snapshot for every customer, and it is each latest risk
    assert set(_runs(engine)) - before == {run_id}
    assert _runs(engine)[run_id] == (run_store.SUCCEEDED, model.version, 1000)
    assert scored == 1000
    per_customer = _snapshots_per_customer(engine, run_id)
    assert len(per_customer) == 1000 and set(per_customer.values()) == {1}
    with engine.connect() as connection:
        mismatched = connection.execute(
            select(func.count())
            .select_from(customers.join(risk_scores, risk_scores.c.customer_pk == customers.c.id))
            .where(risk_scores.c.run_id == run_id, customers.c.risk_probability != risk_scores.c.probability)
        ).scalar_one()
    assert mismatched == 0


def test_a_run_stopped_after_storing_a_chunk_but_before_copying_it_repairs_those_customers_on_resume(
    scored_database: ScoredDatabase, model: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every customer's latest risk cleared, then a run whose copy onto the customer rows dies after
    # 2 chunks: on MySQL (copied on a second connection) a third chunk is stored but never copied
    engine = scored_database.engine
    with engine.begin() as connection:
        connection.execute(update(customers).values(risk_probability=None, risk_scored_at=None))
    before = set(_runs(engine))
    with monkeypatch.context() as patch:
        patch.setattr(scoring, "copy_latest", _failing_after(2, scoring.copy_latest))
        with pytest.raises(WriterCrash):
            score_customers(engine=engine, model=model, policy=POLICY, chunk_size=CHUNK, progress=False)
    (run_id,) = set(_runs(engine)) - before

    # when it is run again
    score_customers(engine=engine, model=model, policy=POLICY, chunk_size=CHUNK, progress=False)

    # then every customer's latest risk is its snapshot of that run, and no one was stored twice
    per_customer = _snapshots_per_customer(engine, run_id)
    assert len(per_customer) == 1000 and set(per_customer.values()) == {1}
    with engine.connect() as connection:
        mismatched = connection.execute(
            select(func.count())
            .select_from(customers.join(risk_scores, risk_scores.c.customer_pk == customers.c.id))
            .where(
                risk_scores.c.run_id == run_id,
                (customers.c.risk_probability != risk_scores.c.probability)
                | customers.c.risk_scored_at.is_(None)
                | (customers.c.risk_scored_at != risk_scores.c.scored_at),
            )
        ).scalar_one()
    assert mismatched == 0


def test_an_unfinished_run_of_another_model_version_is_closed_as_failed_and_logged(
    scored_database: ScoredDatabase, model: LoadedModel, caplog: pytest.LogCaptureFixture
) -> None:
    # given a run of an older model that never finished
    engine = scored_database.engine
    with engine.begin() as connection:
        stale = run_store.start_run(
            connection, model_version="older-model", kind="batch", now=datetime.now(UTC)
        )

    # when the active model scores everyone
    with caplog.at_level(logging.WARNING, logger=scoring.__name__):
        score_customers(engine=engine, model=model, policy=POLICY, chunk_size=500, progress=False)

    # then the old run is closed as failed, said so once, and the new run is a run of its own
    assert _runs(engine)[stale] == (run_store.FAILED, "older-model", 0)
    warnings = [r.getMessage() for r in caplog.records if f"run {stale} " in r.getMessage()]
    assert len(warnings) == 1 and "older-model" in warnings[0] and "failed" in warnings[0]


@pytest.mark.parametrize(
    "cleared",
    [[3, 50, 51, 400, 777, 901, 1000], list(range(2, 1000, 2)) + list(range(1, 600, 2))],
    ids=["a few: by the risk index", "most: by a table scan"],
)
def test_scoring_the_unscored_scope_stores_and_updates_only_the_unscored_customers(
    scored_database: ScoredDatabase, model: LoadedModel, cleared: list[int]
) -> None:
    # given every customer scored, then some with their risk cleared (as an import of changed profiles does)
    engine = scored_database.engine
    score_customers(engine=engine, model=model, policy=POLICY, progress=False)
    with engine.begin() as connection:
        connection.execute(
            update(customers).where(customers.c.id.in_(cleared)).values(dict.fromkeys(RISK_COLUMNS))
        )
        untouched = dict(
            connection.execute(
                select(customers.c.id, customers.c.risk_scored_at).where(customers.c.id.not_in(cleared))
            ).all()
        )
    before = set(_runs(engine))

    # when the unscored customers are scored, a few to a chunk
    scored = score_customers(
        engine=engine,
        model=model,
        policy=POLICY,
        scope=Scope.UNSCORED,
        chunk_size=3 if len(cleared) < 10 else 64,
    )

    # then one new run stored exactly those, and no other customer's risk moved
    (run_id,) = set(_runs(engine)) - before
    assert scored == len(cleared) and _runs(engine)[run_id][0] == run_store.SUCCEEDED
    assert _snapshots_per_customer(engine, run_id) == dict.fromkeys(cleared, 1)
    with engine.connect() as connection:
        now = dict(connection.execute(select(customers.c.id, customers.c.risk_scored_at)).all())
        unscored = connection.execute(
            select(func.count()).select_from(customers).where(customers.c.risk_probability.is_(None))
        ).scalar_one()
    assert unscored == 0
    assert {pk: now[pk] for pk in untouched} == untouched


def _stored_rows(engine: Engine, run_id: int) -> list[tuple[Any, ...]]:
    columns = (risk_scores.c.customer_pk, risk_scores.c.probability, risk_scores.c.score)
    with engine.connect() as connection:
        rows = connection.execute(
            select(*columns, risk_scores.c.tier, risk_scores.c.contributions, risk_scores.c.model_version)
            .where(risk_scores.c.run_id == run_id)
            .order_by(risk_scores.c.customer_pk)
        ).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def local_infile_off(scored_database: ScoredDatabase) -> Iterator[Callable[[], None]]:
    """Turns the server's local_infile off when called; whatever happens, it is restored afterwards."""
    engine = scored_database.engine
    if engine.dialect.name not in ("mysql", "mariadb"):
        pytest.skip("LOAD DATA is a MySQL/MariaDB writer")
    with engine.connect() as connection:
        was = connection.execute(text("SELECT @@GLOBAL.local_infile")).scalar_one()

    def turn_off() -> None:
        with engine.connect() as connection:
            connection.execute(text("SET GLOBAL local_infile = 0"))

    try:
        yield turn_off
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"SET GLOBAL local_infile = {int(was)}"))


def test_load_data_and_the_executemany_fallback_store_identical_snapshots(
    scored_database: ScoredDatabase,
    model: LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
    local_infile_off: Callable[[], None],
) -> None:
    # given a spy on LOAD DATA
    engine = scored_database.engine
    loads: list[int] = []
    load_file = scores.load_file
    monkeypatch.setattr(scores, "load_file", lambda *a, **k: loads.append(1) or load_file(*a, **k))

    # when everyone is scored with the server allowing local files, then again with it refusing them
    before = set(_runs(engine))
    score_customers(engine=engine, model=model, policy=POLICY, chunk_size=300, progress=False)
    with_load_data = len(loads)
    local_infile_off()
    score_customers(engine=engine, model=model, policy=POLICY, chunk_size=300, progress=False)

    # then the first run went by LOAD DATA, the second by executemany, and their rows are the same
    first, second = sorted(set(_runs(engine)) - before)
    assert with_load_data == 4 and len(loads) == 4
    loaded, inserted = _stored_rows(engine, first), _stored_rows(engine, second)
    assert len(loaded) == 1000 and loaded == inserted
    stored = np.array([decode(row[4]).contributions for row in loaded])
    totals = model.explainer.base_value + stored.sum(axis=1)
    np.testing.assert_allclose(totals, [row[1] for row in loaded], rtol=0, atol=1e-9)
