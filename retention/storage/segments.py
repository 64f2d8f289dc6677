"""Breakdowns of the customer base in SQL: one GROUP BY each, never a customer loaded into Python."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Integer, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from retention.segments import Band, RiskBin, SegmentCounts, Split, TenureCounts
from retention.storage.analytics import full_scan
from retention.storage.tables import customers


class _floor(FunctionElement[int]):
    """FLOOR of a non-negative number; SQLite builds without the math functions lack FLOOR."""

    type = Integer()
    inherit_cache = True


@compiles(_floor)
def _floor_default(element: _floor, compiler: Any, **kw: Any) -> str:
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@compiles(_floor, "sqlite")
def _floor_sqlite(element: _floor, compiler: Any, **kw: Any) -> str:
    # CAST truncates toward zero, which is FLOOR for the non-negative values binned here.
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


_EDGE_NUDGE = 1e-9


def _inline(value: int) -> Any:
    # Declared bounds inlined as literals, so the grouped expression is the same text wherever it appears.
    return literal_column(str(int(value)))


def _band_condition(column: Any, band: Band) -> Any:
    if band.upper is None:
        return column >= _inline(band.lower)
    return column.between(_inline(band.lower), _inline(band.upper))


def edge_counts(connection: Connection, column: str, edges: list[float]) -> list[SegmentCounts]:
    """Counts per band of `column` cut at ascending `edges`: below the first, between each pair (lower
    inclusive), at or above the last; empty bands included."""
    c = customers.c
    value = c[column]
    key = case(*((value < edge, _inline(i)) for i, edge in enumerate(edges)), else_=_inline(len(edges)))
    rows = connection.execute(
        full_scan(
            select(key.label("band"), *_tallies()).select_from(customers).group_by(literal_column("band"))
        )
    ).all()
    found = {int(row[0]): row for row in rows}
    labels = [f"< {_edge(edges[0])}"] if edges else []
    labels += [f"{_edge(low)} to < {_edge(high)}" for low, high in zip(edges, edges[1:], strict=False)]
    labels.append(f">= {_edge(edges[-1])}" if edges else "all")
    return [_counted(label, found.get(i)) for i, label in enumerate(labels)]


def _edge(value: float) -> str:
    return f"{value:g}"


def _tallies() -> list[Any]:
    c = customers.c
    return [
        func.count(),
        func.count(c.churn),
        func.coalesce(func.sum(case((c.churn.is_(True), 1), else_=0)), 0),
        func.count(c.risk_probability),
        func.coalesce(func.sum(c.risk_probability), 0.0),
    ]


def _counted(label: str, row: Any) -> SegmentCounts:
    if row is None:
        return SegmentCounts(label, 0, 0, 0, 0, 0.0)
    return SegmentCounts(label, int(row[1]), int(row[2]), int(row[3]), int(row[4]), float(row[5]))


def segment_counts(connection: Connection, split: Split) -> list[SegmentCounts]:
    """Counts per segment of `split`, in its declared order, empty segments included."""
    c = customers.c
    column = c[split.column]
    if split.categories:
        key: Any = column
    else:
        key = case(
            *((_band_condition(column, band), _inline(i)) for i, band in enumerate(split.bands)),
            else_=None,
        )
    rows = connection.execute(
        full_scan(
            select(key.label("segment"), *_tallies())
            .select_from(customers)
            .group_by(literal_column("segment"))
        )
    ).all()
    found = {(row[0] if split.categories else None if row[0] is None else int(row[0])): row for row in rows}
    return [
        _counted(label, found.get(label if split.categories else index))
        for index, label in enumerate(split.labels)
    ]


def risk_bins(connection: Connection, bins: int) -> list[RiskBin]:
    """Scored customers per equal-width probability bin, every bin listed."""
    probability = customers.c.risk_probability
    # The nudge puts a probability on an edge (0.29 × 100 = 28.999…) in the bin the edge opens.
    index = case(
        (probability >= 1, _inline(bins - 1)),
        else_=_floor(probability * _inline(bins) + literal_column(repr(_EDGE_NUDGE))),
    )
    rows = connection.execute(
        select(index.label("bin"), func.count())
        .where(probability.is_not(None))
        .group_by(literal_column("bin"))
    ).all()
    counts = {int(row[0]): int(row[1]) for row in rows}
    return [RiskBin(lower=i / bins, upper=(i + 1) / bins, customers=counts.get(i, 0)) for i in range(bins)]


def tenure_counts(connection: Connection) -> list[TenureCounts]:
    """Labelled customers per tenure month: churned there, and still active (censored there)."""
    c = customers.c
    rows = connection.execute(
        full_scan(
            select(
                c.tenure_months,
                func.coalesce(func.sum(case((c.churn.is_(True), 1), else_=0)), 0),
                func.coalesce(func.sum(case((c.churn.is_(False), 1), else_=0)), 0),
            )
            .where(c.churn.is_not(None))
            .group_by(c.tenure_months)
            .order_by(c.tenure_months)
        )
    ).all()
    return [TenureCounts(tenure_month=int(m), churned=int(d), active=int(a)) for m, d, a in rows]
