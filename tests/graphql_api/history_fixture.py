"""A scored database given a history: rescored, some customers changed and rescored, some added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from retention.records import Value
from retention.services import customers as customer_service
from retention.services.scoring import Scope, score_customers
from retention.storage.customers import upsert_profiles
from tests.factories import POLICY
from tests.support import ScoredDatabase

# Changed twice after the first two scorings: four snapshots each, the last two on other values.
CHANGED = ("CUST0000001", "CUST0000002", "CUST0000003")
SCORED_ONCE = "CUST0001001"  # added after, scored once
NEVER_SCORED = "CUST0001002"  # added last, never scored


@dataclass(frozen=True)
class History:
    """The database and the profiles the changed customers had before their changes."""

    database: ScoredDatabase
    original: dict[str, dict[str, Value]]


def _profile(database: ScoredDatabase, customer_id: str) -> dict[str, Value]:
    customer = customer_service.get_customer(engine=database.engine, customer_id=customer_id)
    return dict(customer.profile.values)


def _store(database: ScoredDatabase, rows: list[dict[str, Value]]) -> None:
    with database.engine.begin() as connection:
        upsert_profiles(connection, rows, now=datetime.now(UTC))


def _score(database: ScoredDatabase, scope: Scope) -> None:
    model = database.load_model()
    score_customers(engine=database.engine, model=model, policy=POLICY, scope=scope, progress=False)


def give_history(database: ScoredDatabase) -> History:
    """Every customer scored twice; CHANGED changed and rescored twice more; two customers added."""
    original = {customer_id: _profile(database, customer_id) for customer_id in CHANGED}
    _score(database, Scope.ALL)
    for step in (1, 2):
        rows = []
        for customer_id in CHANGED:
            profile = dict(original[customer_id])
            profile["unresolved_tickets"] = int(original[customer_id]["unresolved_tickets"] or 0) + 3 * step
            profile["payment_failures"] = int(original[customer_id]["payment_failures"] or 0) + step
            profile["last_login_days"] = 40 * step
            rows.append({"customer_id": customer_id, **profile})
        _store(database, rows)
        _score(database, Scope.UNSCORED)
    template = _profile(database, "CUST0000010")
    _store(database, [{**template, "customer_id": SCORED_ONCE, "email": "once@example.com"}])
    _score(database, Scope.UNSCORED)
    _store(database, [{**template, "customer_id": NEVER_SCORED, "email": "never@example.com"}])
    return History(database=database, original=original)
