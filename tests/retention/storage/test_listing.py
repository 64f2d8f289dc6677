"""The customers listing: every order in both directions pages to exactly the expected sequence, filters
hold, unscored customers come last, and cursors refuse what they cannot honour."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from retention.errors import InvalidInput
from retention.listing import NO_FILTER, CustomerFilter, CustomerOrder, CustomerSortField, SortDirection
from retention.records import RiskTier
from retention.services import customers as service
from retention.storage import customers
from retention.storage.runs import start_run
from retention.storage.scores import NewSnapshot, write_snapshots
from tests.factories import profile_rows
from tests.support import BACKENDS, fresh_database, migrated_engine

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COUNT = 30
Row = dict[str, object]


def _rows() -> list[Row]:
    rows = profile_rows(COUNT)
    for index, row in enumerate(rows):
        # Ties on every key, so the id tie-break is exercised in every order.
        row["tenure_months"] = index % 7
        row["last_login_days"] = index % 5
        row["monthly_charges"] = [19.99, 49.5, 100.0][index % 3]
        row["name"] = f"Name {index % 9:02d}"
        row["email"] = f"person{index:02d}@example.com"
        row["subscription_type"] = ["Basic", "Standard", "Premium"][index % 3]
        row["churn"] = index % 4 == 0
    return rows


def _probability(index: int) -> float | None:
    # A third unscored; ties at 0.5 among the rest.
    if index % 3 == 2:
        return None
    return 0.5 if index % 4 == 0 else round((index * 37 % 100) / 100, 2)


def _tier(probability: float) -> RiskTier:
    return RiskTier.HIGH if probability >= 0.7 else RiskTier.MEDIUM if probability >= 0.4 else RiskTier.LOW


@pytest.fixture(scope="module", params=BACKENDS)
def listed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database for the module: the rows above stored, two thirds of them scored."""
    with (
        fresh_database(request.param, tmp_path_factory.mktemp("listing")) as url,
        migrated_engine(url) as engine,
    ):
        rows = _rows()
        with engine.begin() as connection:
            customers.upsert_profiles(connection, rows, now=NOW)
            pks = dict(
                connection.execute(select(customers.customers.c.customer_id, customers.customers.c.id)).all()
            )
            snapshots = [
                NewSnapshot(
                    customer_pk=pks[row["customer_id"]], probability=p, score=round(100 * p), tier=_tier(p)
                )
                for index, row in enumerate(rows)
                if (p := _probability(index)) is not None
            ]
            run_id = start_run(connection, model_version="v1", kind="test", now=NOW)
            write_snapshots(connection, snapshots, run_id=run_id, model_version="v1", scored_at=NOW)
        yield engine


def _expected(order: CustomerOrder, keep: Callable[[int, Row], bool] = lambda i, r: True) -> list[str]:
    rows = _rows()
    keys: dict[CustomerSortField, Callable[[int, Row], object]] = {
        CustomerSortField.SCORE: lambda i, r: _probability(i),
        CustomerSortField.EXPECTED_LOSS: lambda i, r: (
            None if (p := _probability(i)) is None else p * float(r["monthly_charges"])  # type: ignore[arg-type]
        ),
        CustomerSortField.TENURE: lambda i, r: r["tenure_months"],
        CustomerSortField.MONTHLY_CHARGES: lambda i, r: r["monthly_charges"],
        CustomerSortField.LAST_LOGIN: lambda i, r: r["last_login_days"],
        CustomerSortField.NAME: lambda i, r: r["name"],
    }
    key_of = keys[order.field]
    kept = [(key_of(i, r), str(r["customer_id"])) for i, r in enumerate(rows) if keep(i, r)]
    keyed = sorted((k, cid) for k, cid in kept if k is not None)  # type: ignore[type-var]
    if order.direction is SortDirection.DESC:
        keyed.reverse()
    return [cid for _, cid in keyed] + sorted(cid for k, cid in kept if k is None)


def _walk(
    engine: Engine, order: CustomerOrder, wanted: CustomerFilter = NO_FILTER, first: int = 4
) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = service.list_customers(engine=engine, first=first, after=after, wanted=wanted, order=order)
        seen += [c.customer_id for c in page.items]
        assert len(page.items) == len(page.cursors) <= first
        if not page.has_next_page:
            return seen
        after = page.end_cursor


ORDERS = [CustomerOrder(field, direction) for field in CustomerSortField for direction in SortDirection]


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.code.replace(" ", "_"))
def test_every_order_pages_through_every_customer_once_in_key_order_with_unscored_last(
    listed: Engine, order: CustomerOrder
) -> None:
    assert _walk(listed, order) == _expected(order)


def test_the_default_order_is_highest_risk_first_with_unscored_customers_last(listed: Engine) -> None:
    page = service.list_customers(engine=listed, first=100, after=None)
    probabilities = [c.risk.probability if c.risk else None for c in page.items]
    scored = [p for p in probabilities if p is not None]
    assert scored == sorted(scored, reverse=True)
    assert probabilities[len(scored) :] == [None] * (COUNT - len(scored))


@pytest.mark.parametrize(
    ("wanted", "keep"),
    [
        (CustomerFilter(tier=RiskTier.HIGH), lambda i, r: (p := _probability(i)) is not None and p >= 0.7),
        (CustomerFilter(subscription_type="Premium"), lambda i, r: r["subscription_type"] == "Premium"),
        (
            CustomerFilter(min_score=30, max_score=60),
            lambda i, r: (p := _probability(i)) is not None and 30 <= round(100 * p) <= 60,
        ),
        (CustomerFilter(churned=True), lambda i, r: r["churn"] is True),
        (CustomerFilter(churned=False), lambda i, r: r["churn"] is False),
        (CustomerFilter(scored=False), lambda i, r: _probability(i) is None),
        (CustomerFilter(scored=True), lambda i, r: _probability(i) is not None),
        (CustomerFilter(search="Name 03"), lambda i, r: r["name"] == "Name 03"),
        (CustomerFilter(search="person1"), lambda i, r: str(r["email"]).startswith("person1")),
        (CustomerFilter(search="  person2 "), lambda i, r: str(r["email"]).startswith("person2")),
        (
            CustomerFilter(subscription_type="Basic", churned=False, scored=True),
            lambda i, r: (
                r["subscription_type"] == "Basic" and r["churn"] is False and _probability(i) is not None
            ),
        ),
    ],
    ids=lambda value: "" if callable(value) else repr(value),
)
@pytest.mark.parametrize(
    "order",
    [
        CustomerOrder(),
        CustomerOrder(CustomerSortField.EXPECTED_LOSS, SortDirection.ASC),
        CustomerOrder(CustomerSortField.NAME),
    ],
    ids=lambda o: o.code.replace(" ", "_"),
)
def test_a_filter_lists_and_counts_exactly_the_customers_it_describes(
    listed: Engine, wanted: CustomerFilter, keep: Callable[[int, Row], bool], order: CustomerOrder
) -> None:
    expected = _expected(order, keep)
    assert expected, "the filter should match someone"
    assert _walk(listed, order, wanted, first=3) == expected
    assert service.count_customers(engine=listed, wanted=wanted) == len(expected)


def test_the_search_matches_an_id_prefix_and_treats_wildcards_as_text(listed: Engine) -> None:
    first_id = str(_rows()[0]["customer_id"])
    found = _walk(listed, CustomerOrder(), CustomerFilter(search=first_id))
    assert first_id in found
    for wildcard in ("%", "_", "/", "Name_0", "person%"):
        assert _walk(listed, CustomerOrder(), CustomerFilter(search=wildcard)) == []


def test_a_cursor_from_another_order_is_refused_naming_after(listed: Engine) -> None:
    page = service.list_customers(engine=listed, first=2, after=None)
    with pytest.raises(
        InvalidInput, match="^after: this cursor belongs to the SCORE DESC order, not NAME ASC"
    ):
        service.list_customers(
            engine=listed,
            first=2,
            after=page.end_cursor,
            order=CustomerOrder(CustomerSortField.NAME, SortDirection.ASC),
        )


def _forged(*payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(payload)).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[1, 2").decode(),
        _forged("SCORE DESC", 1.5, "C1"),
        _forged("SCORE DESC", -0.1, "C1"),
        _forged("SCORE DESC", True, "C1"),
        _forged("SCORE DESC", "0.5", "C1"),
        _forged("SCORE DESC", 0.5, ""),
        _forged("SCORE DESC", 0.5, "x" * 65),
        _forged("SCORE DESC", 0.5, 7),
        _forged("SCORE DESC", 0.5),
        base64.urlsafe_b64encode(b'["SCORE DESC", NaN, "C1"]').decode(),
        "A" * 5000,
    ],
)
def test_a_cursor_this_api_did_not_issue_is_refused_naming_after(listed: Engine, cursor: str) -> None:
    with pytest.raises(InvalidInput, match="^after: "):
        service.list_customers(engine=listed, first=2, after=cursor)


@pytest.mark.parametrize(
    ("order", "cursor"),
    [
        (CustomerOrder(CustomerSortField.TENURE), _forged("TENURE DESC", 2.5, "C1")),
        (CustomerOrder(CustomerSortField.TENURE), _forged("TENURE DESC", None, "C1")),
        (CustomerOrder(CustomerSortField.NAME), _forged("NAME DESC", 3, "C1")),
    ],
)
def test_a_cursor_whose_key_does_not_fit_its_order_is_refused(
    listed: Engine, order: CustomerOrder, cursor: str
) -> None:
    with pytest.raises(InvalidInput, match="^after: not a cursor this API issued"):
        service.list_customers(engine=listed, first=2, after=cursor, order=order)


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (CustomerFilter(min_score=-1), "^filter.minScore must be between 0 and 100"),
        (CustomerFilter(max_score=101), "^filter.maxScore must be between 0 and 100"),
        (
            CustomerFilter(min_score=60, max_score=40),
            r"^filter.minScore \(60\) is above filter.maxScore \(40\)",
        ),
        (
            CustomerFilter(subscription_type="Gold"),
            "^filter.subscriptionType must be one of Basic, Standard, Premium",
        ),
        (CustomerFilter(search="   "), "^filter.search is empty"),
        (CustomerFilter(search="x" * 101), "^filter.search is longer than 100"),
        (CustomerFilter(search="a\x00b"), "^filter.search holds a control character"),
        (CustomerFilter(scored=False, tier=RiskTier.HIGH), "^filter.scored is false"),
    ],
)
def test_a_filter_that_cannot_hold_is_refused_naming_the_argument(
    listed: Engine, wanted: CustomerFilter, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.list_customers(engine=listed, first=2, after=None, wanted=wanted)
    with pytest.raises(InvalidInput, match=message):
        service.count_customers(engine=listed, wanted=wanted)


def test_expected_loss_is_kept_by_the_database_and_cleared_with_the_risk(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url, migrated_engine(url) as engine:
        (row,) = profile_rows(1)
        with engine.begin() as connection:
            customers.upsert_profiles(connection, [row], now=NOW)
            pk = connection.execute(select(customers.customers.c.id)).scalar_one()
            run_id = start_run(connection, model_version="v1", kind="test", now=NOW)
            snapshot = NewSnapshot(customer_pk=pk, probability=0.25, score=25, tier=RiskTier.LOW)
            write_snapshots(connection, [snapshot], run_id=run_id, model_version="v1", scored_at=NOW)
        loss = customers.customers.c.risk_expected_loss
        with engine.begin() as connection:
            assert connection.execute(select(loss)).scalar_one() == pytest.approx(
                0.25 * float(row["monthly_charges"])
            )  # type: ignore[arg-type]
            customers.upsert_profiles(connection, [{**row, "monthly_charges": 1.0}], now=NOW)
            assert connection.execute(select(loss)).scalar_one() is None


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.code.replace(" ", "_"))
@pytest.mark.parametrize(
    ("wanted", "keep"),
    [
        (NO_FILTER, lambda i, r: True),
        (CustomerFilter(subscription_type="Basic"), lambda i, r: r["subscription_type"] == "Basic"),
        (
            CustomerFilter(tier=RiskTier.MEDIUM),
            lambda i, r: (p := _probability(i)) is not None and _tier(p) is RiskTier.MEDIUM,
        ),
        (CustomerFilter(scored=False), lambda i, r: _probability(i) is None),
    ],
    ids=["all", "plan", "tier", "unscored"],
)
def test_a_page_at_any_offset_is_that_stretch_of_the_listing(
    listed: Engine, order: CustomerOrder, wanted: CustomerFilter, keep: Callable[[int, Row], bool]
) -> None:
    expected = _expected(order, keep)

    for offset in range(0, len(expected) + 2):
        page = service.list_customers(
            engine=listed, first=4, after=None, offset=offset, wanted=wanted, order=order
        )

        assert [c.customer_id for c in page.items] == expected[offset : offset + 4], offset
        assert page.has_next_page == (offset + 4 < len(expected))
        if page.items:  # and its cursor pages on from there
            rest = service.list_customers(
                engine=listed, first=100, after=page.end_cursor, wanted=wanted, order=order
            )
            assert [c.customer_id for c in rest.items] == expected[offset + len(page.items) :]


@pytest.mark.parametrize(("offset", "after"), [(-1, None), (10_000_001, None), (3, "x")])
def test_an_offset_out_of_range_or_with_a_cursor_is_refused_naming_it(
    listed: Engine, offset: int, after: str | None
) -> None:
    with pytest.raises(InvalidInput, match="offset"):
        service.list_customers(engine=listed, first=4, after=after, offset=offset)
