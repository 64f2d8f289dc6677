"""Customer writes from the API: a batch checked whole, stored and rescored in one transaction, or refused.

All-or-nothing: one bad value anywhere refuses the whole batch with every problem named, and nothing is
written. A good batch is upserted, scored by the served model (the exact explainer, the same computation
batch scoring stores, so the new risk equals what `retention score` would store) and its snapshots
written in the same transaction as the profiles, as one score run of kind "api". Without a served model
the customers are stored unscored; the next `rescoreCustomers` or `retention score` scores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, Row, delete, select

from retention import features
from retention.errors import InvalidInput, NotFound
from retention.importing.values import InvalidValue, check_typed
from retention.ml.matrix import matrix_from_profiles
from retention.ml.registry import LoadedModel
from retention.records import Customer, Value
from retention.risk import RiskPolicy
from retention.services.scoring import scored_batch
from retention.storage import runs as run_store
from retention.storage.changes import note_change
from retention.storage.customers import now_utc, to_customer, upsert_profiles
from retention.storage.deadlocks import retry_on_deadlock
from retention.storage.scores import write_snapshots
from retention.storage.scoring_rows import FeatureChunk
from retention.storage.tables import customers as customers_table

MAX_UPSERT = 1_000
API_RUN_KIND = "api"


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value of one customer in a batch; `column` is the declared column name."""

    index: int
    column: str
    code: str  # REQUIRED, INVALID_VALUE or DUPLICATE_ID
    message: str


@dataclass(frozen=True)
class UpsertOutcome:
    """A batch's answer: the stored customers in input order, or the problems that refused it whole."""

    customers: Sequence[Customer]
    problems: Sequence[Problem]


def check_batch(rows: Sequence[Mapping[str, object]]) -> tuple[list[dict[str, Value]], list[Problem]]:
    """Every row checked by the importer's rules: the checked rows, and every problem found."""
    if len(rows) > MAX_UPSERT:
        raise InvalidInput(f"customers: at most {MAX_UPSERT:,} per call (got {len(rows):,})")
    checked: list[dict[str, Value]] = []
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, row in enumerate(rows):
        values: dict[str, Value] = {}
        for column in features.COLUMNS:
            raw = row.get(column.name)
            try:
                values[column.name] = check_typed(column, raw)
            except InvalidValue as exc:
                code = "REQUIRED" if raw is None else "INVALID_VALUE"
                shown = "" if raw is None else f"{raw!r} "
                problems.append(Problem(index, column.name, code, f"{shown}{exc.reason}"))
        customer_id = values.get("customer_id")
        if isinstance(customer_id, str):
            if customer_id in first_index:
                message = f"{customer_id!r} is also customer {first_index[customer_id]} of this batch"
                problems.append(Problem(index, "customer_id", "DUPLICATE_ID", message))
            else:
                first_index[customer_id] = index
        checked.append(values)
    return checked, problems


def upsert_customers(
    *,
    engine: Engine,
    model: LoadedModel | None,
    policy: RiskPolicy,
    rows: Sequence[Mapping[str, object]],
) -> UpsertOutcome:
    """Check, store and rescore a batch in one transaction (see the module's docstring)."""
    valid, problems = check_batch(rows)
    if problems or not valid:
        return UpsertOutcome(customers=[], problems=problems)
    ids = [str(row["customer_id"]) for row in valid]
    now = now_utc()
    # Rows in key order: two batches that share customers then lock them in the same order (no deadlock).
    valid = sorted(valid, key=lambda row: str(row["customer_id"]))

    def store() -> Sequence[Row[Any]]:
        with engine.begin() as connection:
            upsert_profiles(connection, valid, now=now)
            pks = dict(
                connection.execute(
                    select(customers_table.c.customer_id, customers_table.c.id).where(
                        customers_table.c.customer_id.in_(ids)
                    )
                ).all()
            )
            if model is not None:
                keys = [int(pks[str(row["customer_id"])]) for row in valid]
                _rescore(connection, model, policy, valid, keys, now)
            return connection.execute(
                select(customers_table).where(customers_table.c.customer_id.in_(ids))
            ).all()

    # Concurrent writers of overlapping batches can still meet in a deadlock InnoDB resolves by rolling one
    # back whole: that one runs again instead of failing its client.
    stored = retry_on_deadlock(store, what="a customer write")
    by_id = {row._mapping["customer_id"]: to_customer(row) for row in stored}
    return UpsertOutcome(customers=[by_id[i] for i in ids], problems=[])


def _rescore(
    connection: Connection,
    model: LoadedModel,
    policy: RiskPolicy,
    rows: Sequence[Mapping[str, Value]],
    pks: Sequence[int],
    now: datetime,
) -> None:
    chunk = FeatureChunk(customer_pks=np.asarray(pks, dtype=np.int64), matrix=matrix_from_profiles(rows))
    batch = scored_batch(chunk, model, policy)
    run_id = run_store.start_run(connection, model_version=model.version, kind=API_RUN_KIND, now=now)
    write_snapshots(connection, batch, run_id=run_id, model_version=model.version, scored_at=now)
    run_store.finish_run(
        connection, run_id, state=run_store.SUCCEEDED, customers_scored=len(pks), now=now_utc()
    )


def delete_customer(*, engine: Engine, customer_id: str) -> None:
    """Delete a customer and its whole risk history; NotFound for an unknown id."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(customers_table).where(customers_table.c.customer_id == customer_id)
        )
        note_change(connection)
    if result.rowcount == 0:
        raise NotFound(f"no customer with id {customer_id!r}")
