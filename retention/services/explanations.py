"""Explained risk for many customers at once: the latest score, the history, the latest change.

Each function takes a batch of customer ids and costs a fixed number of statements (one window query
each), so a page of customers and its explanations cost the same for 10 customers as for 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from retention.errors import InvalidInput
from retention.explanations import ExplainedRisk
from retention.risk_change import RiskChange, change_between
from retention.storage import history as store
from retention.storage.history import Position

__all__ = [
    "HistoryPage",
    "Position",
    "cursor_for",
    "history_position",
    "latest_explained",
    "risk_changes",
    "risk_histories",
]

MAX_HISTORY_PAGE = 100


@dataclass(frozen=True)
class HistoryPage:
    """A slice of one customer's snapshots, newest first, and where the next slice starts."""

    items: list[ExplainedRisk]
    has_next_page: bool
    end_cursor: str | None


def history_position(*, first: int, after: str | None) -> Position | None:
    """The checked page arguments of a history: InvalidInput naming `first` or `after`."""
    if not 1 <= first <= MAX_HISTORY_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_HISTORY_PAGE} (got {first})")
    if after is None:
        return None
    try:
        return store.decode_cursor(after)
    except ValueError as exc:
        raise InvalidInput(f"after: {exc}") from exc


def cursor_for(risk: ExplainedRisk) -> str:
    """The history cursor that points just after this stored snapshot."""
    return store.encode_cursor(store.position_of(risk))


def latest_explained(*, engine: Engine, customer_ids: Sequence[str]) -> dict[str, ExplainedRisk | None]:
    """Each customer's newest snapshot with its explanation (None for a customer never scored)."""
    with engine.connect() as connection:
        found = store.newest_snapshots(connection, customer_ids, limit=1)
    return {customer_id: (rows[0] if rows else None) for customer_id, rows in found.items()}


def risk_histories(
    *, engine: Engine, customer_ids: Sequence[str], first: int, after: Position | None
) -> dict[str, HistoryPage]:
    """A page of each customer's history, newest first, `first` snapshots after `after`."""
    with engine.connect() as connection:
        found = store.newest_snapshots(connection, customer_ids, limit=first + 1, after=after)
    pages = {}
    for customer_id, rows in found.items():
        items = rows[:first]
        pages[customer_id] = HistoryPage(
            items=items,
            has_next_page=len(rows) > first,
            end_cursor=cursor_for(items[-1]) if items else None,
        )
    return pages


def risk_changes(
    *, engine: Engine, customer_ids: Sequence[str], since: datetime | None
) -> dict[str, RiskChange | None]:
    """Each customer's change from the previous snapshot (or the score as it stood at `since`) to the latest.

    None for a customer with fewer than two snapshots, none scored at or before `since`, no score
    since `since`, or a snapshot stored without its explanation.
    """
    with engine.connect() as connection:
        if since is None:
            newest = store.newest_snapshots(connection, customer_ids, limit=2)
            pairs = {cid: (rows[1], rows[0]) if len(rows) == 2 else None for cid, rows in newest.items()}
        else:
            moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
            latest = store.newest_snapshots(connection, customer_ids, limit=1)
            then = store.newest_snapshots(connection, customer_ids, limit=1, at_or_before=moment)
            pairs = {
                cid: (then[cid][0], rows[0])
                if rows and then[cid] and then[cid][0].snapshot_id != rows[0].snapshot_id
                else None
                for cid, rows in latest.items()
            }
    return {cid: change_between(*pair) if pair else None for cid, pair in pairs.items()}
