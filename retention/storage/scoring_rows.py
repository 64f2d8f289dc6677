"""The customers a scoring run reads: model features as a float matrix, chunk by chunk, in key order.

Categories are turned into their codes by the database (a CASE per category column), so every value
arrives as a number and a chunk becomes a matrix in one numpy call instead of a Python loop per value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Connection, case, select

from retention.features import FEATURES, Kind
from retention.storage.tables import customers

Matrix = npt.NDArray[np.float64]


class Scope(Enum):
    """Which customers a scoring run covers."""

    ALL = "all"  # every stored customer (`retention score`, a rescore after an activation)
    UNSCORED = "unscored"  # customers without a stored risk: new ones, and those an import changed


@dataclass(frozen=True)
class FeatureChunk:
    """Customers' primary keys and their model matrix (rows in the same order)."""

    customer_pks: npt.NDArray[np.int64]
    matrix: Matrix


def _feature_expressions() -> list[ColumnElement[Any]]:
    expressions: list[ColumnElement[Any]] = []
    for column in FEATURES:
        stored = customers.c[column.name]
        if column.kind is Kind.CATEGORY:
            codes = {name: code for code, name in enumerate(column.categories)}
            expressions.append(case(codes, value=stored))
        else:
            expressions.append(stored)
    return expressions


def iter_feature_chunks(
    connection: Connection, *, scope: Scope, chunk_size: int, after_pk: int = 0
) -> Iterator[FeatureChunk]:
    """Stream the customers of `scope` (primary key > after_pk for ALL) as feature matrices."""
    features = _feature_expressions()
    if scope is Scope.ALL:
        # Primary-key ranges: a clustered-index scan, and a resumed run starts after its last chunk.
        key: ColumnElement[Any] = customers.c.id
        query = select(customers.c.id, *features).where(customers.c.id > after_pk)
        offset = 0
    else:
        # Unscored customers are found through ix_customers_risk_order (risk_probability, customer_id),
        # whose NULL entries are ordered by customer_id: keyset on that, so a chunk reads only its own
        # rows however few customers are unscored among millions (a primary-key scan would read them all).
        key = customers.c.customer_id
        query = select(customers.c.id, customers.c.customer_id, *features).where(
            customers.c.risk_probability.is_(None)
        )
        offset = 1
    query = query.order_by(key)
    last: Any = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = connection.execute(page.limit(chunk_size)).all()
        if not rows:
            return
        last = rows[-1][offset]
        values = np.array([row[1 + offset :] for row in rows], dtype=np.float64)
        pks = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        yield FeatureChunk(customer_pks=pks, matrix=values)
