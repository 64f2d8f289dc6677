"""DataLoaders, built per request: what a page of customers asks for, fetched in one batch per field.

Each loader gathers the keys every resolver of one execution step asks for and makes one core call per
distinct argument set (a page asks riskHistory(first: 20) of every customer: one call), so a page costs a
fixed number of SQL statements whatever its size. Built per request, so nothing is cached across requests.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graphql_api.errors import call_core
from retention.explanations import ExplainedRisk
from retention.records import Customer
from retention.risk_change import RiskChange
from retention.runtime import Runtime
from retention.services import explanations as explain_service
from retention.services import whatif
from retention.services.explanations import HistoryPage, Position

K = TypeVar("K")


@dataclass(frozen=True)
class HistoryKey:
    """One customer's history page."""

    customer_id: str
    first: int
    after: Position | None


@dataclass(frozen=True)
class ChangeKey:
    """One customer's change since a moment (None: since the previous snapshot)."""

    customer_id: str
    since: datetime | None


def _groups(keys: Sequence[K], arguments_of: Callable[[K], Hashable]) -> list[list[int]]:
    """Positions of the keys, grouped by their arguments (everything but the customer id)."""
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(arguments_of(key), []).append(i)
    return list(groups.values())


class Loaders:
    """The request's loaders; create one per request (see Context.loaders)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.latest_explained = DataLoader[str, ExplainedRisk | None](load_fn=self._latest)
        self.history = DataLoader[HistoryKey, HistoryPage](load_fn=self._histories)
        self.change = DataLoader[ChangeKey, RiskChange | None](load_fn=self._changes)
        self.actions = DataLoader[Customer, list[whatif.ScoredAction]](
            load_fn=self._actions, cache_key_fn=lambda customer: customer.customer_id
        )

    async def _latest(self, customer_ids: Sequence[str]) -> list[ExplainedRisk | None]:
        found = await call_core(
            explain_service.latest_explained, engine=self.runtime.engine, customer_ids=list(customer_ids)
        )
        return [found[customer_id] for customer_id in customer_ids]

    async def _histories(self, keys: Sequence[HistoryKey]) -> list[HistoryPage]:
        pages: dict[int, HistoryPage] = {}
        for positions in _groups(keys, lambda key: (key.first, key.after)):
            found = await call_core(
                explain_service.risk_histories,
                engine=self.runtime.engine,
                customer_ids=[keys[i].customer_id for i in positions],
                first=keys[positions[0]].first,
                after=keys[positions[0]].after,
            )
            pages.update((i, found[keys[i].customer_id]) for i in positions)
        return [pages[i] for i in range(len(keys))]

    async def _changes(self, keys: Sequence[ChangeKey]) -> list[RiskChange | None]:
        changes: list[RiskChange | None] = [None] * len(keys)
        for positions in _groups(keys, lambda key: key.since):
            found = await call_core(
                explain_service.risk_changes,
                engine=self.runtime.engine,
                customer_ids=[keys[i].customer_id for i in positions],
                since=keys[positions[0]].since,
            )
            for i in positions:
                changes[i] = found[keys[i].customer_id]
        return changes

    async def _actions(self, customers: Sequence[Customer]) -> list[list[whatif.ScoredAction]]:
        model = await call_core(self.runtime.active_model)
        return await call_core(
            whatif.recommended_actions,
            model=model,
            profiles=[customer.profile.values for customer in customers],
            horizon_months=self.runtime.settings.action_horizon_months,
        )
