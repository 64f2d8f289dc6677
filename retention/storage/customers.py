"""Customer rows: upsert, read one, count, stream features."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, case, func, null, select

from retention import features
from retention.features import Kind
from retention.records import Customer, CustomerProfile, RiskSnapshot, RiskTier, Value
from retention.storage.bulk import driver_value, execute_many
from retention.storage.changes import note_change
from retention.storage.tables import customers
from retention.storage.upsert import Proposed, exact_text, upsert_statement

PROFILE_NAMES: tuple[str, ...] = tuple(c.name for c in features.PROFILE_COLUMNS)
_UPSERT_COLUMNS: tuple[str, ...] = ("customer_id", *PROFILE_NAMES, "created_at", "updated_at")
_FLAGS = frozenset(c.name for c in features.PROFILE_COLUMNS if c.kind is Kind.FLAG)
_FLOATS = frozenset(c.name for c in features.PROFILE_COLUMNS if c.kind is Kind.FLOAT)
_TEXTS = frozenset(c.name for c in features.PROFILE_COLUMNS if c.kind in (Kind.TEXT, Kind.CATEGORY))
# The latest risk describes the profile it was computed from; a changed profile must not keep it.
RISK_COLUMNS: tuple[str, ...] = (
    "risk_probability",
    "risk_score",
    "risk_tier",
    "risk_model_version",
    "risk_scored_at",
)


def _same(name: str, new: Proposed) -> ColumnElement[bool]:
    stored, proposed = customers.c[name], new[name]
    if name in _TEXTS:
        return exact_text(stored).is_not_distinct_from(exact_text(proposed))
    return stored.is_not_distinct_from(proposed)


def profile_assignments(new: Proposed) -> list[tuple[str, ColumnElement[Any]]]:
    """The update of an existing customer by the proposed row `new`, in the order MySQL needs.

    Unchanged (every profile column equal, NULL-safely): nothing changes, updated_at and risk kept.
    Changed: the profile is overwritten, updated_at set, and the latest risk cleared so it is rescored.
    The risk and updated_at come first: on MySQL later assignments see the already-overwritten profile.
    """
    unchanged = and_(*(_same(name, new) for name in PROFILE_NAMES))
    kept: list[tuple[str, ColumnElement[Any]]] = [
        (name, case((unchanged, customers.c[name]), else_=null())) for name in RISK_COLUMNS
    ]
    kept.append(("updated_at", case((unchanged, customers.c.updated_at), else_=new.updated_at)))
    return kept + [(name, new[name]) for name in PROFILE_NAMES]


def upsert_profiles(connection: Connection, rows: Sequence[Mapping[str, Value]], *, now: datetime) -> None:
    """Insert new customers and overwrite the profile of existing ones, keyed by customer_id.

    Rows hold every profile column as plain int, float, str or None (flags as 0/1), as the importer
    and the services produce them. A changed customer loses its latest risk (see `profile_assignments`).
    """
    if not rows:
        return
    statement = upsert_statement(connection, customers, key="customer_id", assignments=profile_assignments)
    stamp = driver_value(connection, customers.c.created_at, naive_utc(now))
    execute_many(
        connection,
        statement,
        _UPSERT_COLUMNS,
        [{**row, "created_at": stamp, "updated_at": stamp} for row in rows],
    )
    note_change(connection)


def get_customer(connection: Connection, customer_id: str) -> Customer | None:
    """One customer with its latest risk, or None."""
    row = connection.execute(select(customers).where(customers.c.customer_id == customer_id)).first()
    return to_customer(row) if row is not None else None


def count_customers(connection: Connection) -> int:
    """How many customers are stored."""
    return int(connection.execute(select(func.count()).select_from(customers)).scalar_one())


def iter_model_rows(
    connection: Connection, *, columns: Sequence[str], chunk_size: int
) -> Iterator[list[Row[Any]]]:
    """Stream (id, customer_id, *columns) in primary-key order, one chunk at a time."""
    selected = [customers.c.id, customers.c.customer_id, *(customers.c[name] for name in columns)]
    last_id = 0
    while True:
        rows = connection.execute(
            select(*selected).where(customers.c.id > last_id).order_by(customers.c.id).limit(chunk_size)
        ).all()
        if not rows:
            return
        yield list(rows)
        last_id = rows[-1][0]


def _typed(name: str, value: Any) -> Value:
    # Drivers differ: SQLite hands back a whole NUMERIC amount as int, MySQL a BOOL as int or bool.
    if value is None:
        return None
    if name in _FLAGS:
        return int(value)
    if name in _FLOATS:
        return float(value)
    return value  # type: ignore[no-any-return]


def to_customer(row: Row[Any]) -> Customer:
    """The record of a whole customers row."""
    mapping = row._mapping
    values: dict[str, Value] = {name: _typed(name, mapping[name]) for name in PROFILE_NAMES}
    risk = None
    if mapping["risk_probability"] is not None:
        risk = RiskSnapshot(
            customer_id=mapping["customer_id"],
            probability=float(mapping["risk_probability"]),
            score=int(mapping["risk_score"]),
            tier=RiskTier(mapping["risk_tier"]),
            model_version=mapping["risk_model_version"],
            scored_at=as_utc(mapping["risk_scored_at"]),
        )
    return Customer(
        profile=CustomerProfile(customer_id=mapping["customer_id"], values=values),
        risk=risk,
        created_at=as_utc(mapping["created_at"]),
        updated_at=as_utc(mapping["updated_at"]),
    )


def naive_utc(moment: datetime) -> datetime:
    """A datetime as naive UTC, the form every timestamp column stores."""
    # Stored as naive UTC: MySQL DATETIME has no zone, and SQLite would otherwise keep mixed offsets.
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """A stored naive-UTC timestamp as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
