"""Re-imports keep or clear the stored risk, on SQLite and on both MySQL paths (LOAD DATA, executemany)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from retention.importing import load
from retention.importing.load import import_csv
from retention.records import RiskTier
from retention.storage.engine import make_engine
from retention.storage.tables import customers
from tests.retention.importing.test_import import count, row, stored, write_csv

FIRST_IMPORT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
SCORED = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
SECOND_IMPORT = datetime(2026, 2, 5, 9, 30, tzinfo=UTC)


def _set_local_infile(engine: Engine, on: bool) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SET GLOBAL local_infile = {int(on)}")


@pytest.fixture(params=["default", "executemany"])
def import_path(request: pytest.FixtureRequest, engine: Engine) -> Iterator[str]:
    """The path an import takes: on MySQL, executemany is forced by turning the server's local_infile off."""
    if engine.dialect.name == "sqlite":
        if request.param != "default":
            pytest.skip("SQLite has one import path")
        yield "sqlite"
        return
    if request.param == "default":  # LOAD DATA LOCAL, as the test server allows it
        yield request.param
        return
    with engine.connect() as connection:
        before = bool(connection.exec_driver_sql("SELECT @@local_infile").scalar_one())
    _set_local_infile(engine, False)
    try:
        yield request.param
    finally:  # restored even when the test fails: the server is shared
        _set_local_infile(engine, before)


def _score_everyone(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(customers).values(
                risk_probability=0.25,
                risk_score=25,
                risk_tier=RiskTier.LOW.value,
                risk_model_version="v1",
                risk_scored_at=SCORED.replace(tzinfo=None),
            )
        )


def test_a_reimport_clears_the_risk_of_exactly_the_customers_whose_profile_changed(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    # given 30 imported customers (customer 9 without a churn label), every one scored
    first = [row(n, churn="") if n == 9 else row(n) for n in range(1, 31)]
    import_csv(engine, write_csv(tmp_path / "first.csv", first), now=FIRST_IMPORT)
    _score_everyone(engine)

    # when the file comes again with customer 7's tenure changed, customer 9's label filled in (NULL to a
    # value), customer 11's name changed only in letter case, and a new customer 31
    second = [row(n) for n in range(1, 32)]
    second[6] = row(7, tenure_months="59")
    second[10] = row(11, name="CUSTOMER 11")
    report = import_csv(engine, write_csv(tmp_path / "second.csv", second), now=SECOND_IMPORT)

    # then those three lose their risk and show the new import time; the rest keep both
    assert (report.rows_written, report.refused, count(engine)) == (31, False, 31)
    changed = {"CUST0007", "CUST0009", "CUST0011"}
    for n in range(1, 31):
        customer = stored(engine, f"CUST{n:04d}")
        if customer.customer_id in changed:
            assert customer.risk is None, customer.customer_id
            assert customer.updated_at == SECOND_IMPORT, customer.customer_id
        else:
            assert customer.risk is not None and customer.risk.probability == 0.25, customer.customer_id
            assert customer.risk.scored_at == SCORED
            assert customer.updated_at == FIRST_IMPORT, customer.customer_id
        assert customer.created_at == FIRST_IMPORT
    assert stored(engine, "CUST0007").profile["tenure_months"] == 59
    assert stored(engine, "CUST0009").profile["churn"] == 1
    assert stored(engine, "CUST0011").profile["name"] == "CUSTOMER 11"
    new = stored(engine, "CUST0031")
    assert (new.risk, new.created_at, new.updated_at) == (None, SECOND_IMPORT, SECOND_IMPORT)


def test_an_unchanged_reimport_keeps_every_risk_and_updated_at(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", [row(n) for n in range(1, 21)])
    import_csv(engine, path, now=FIRST_IMPORT)
    _score_everyone(engine)

    import_csv(engine, path, now=SECOND_IMPORT)

    for n in range(1, 21):
        customer = stored(engine, f"CUST{n:04d}")
        assert customer.risk is not None and customer.updated_at == FIRST_IMPORT


def test_a_bad_line_refuses_the_file_and_writes_nothing_on_either_path(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    import_csv(engine, write_csv(tmp_path / "before.csv", [row(n) for n in range(1, 11)]), now=FIRST_IMPORT)
    rows = [row(n, name="Changed") for n in range(1, 301)]
    rows[250] = row(251, email="nobody")

    report = import_csv(engine, write_csv(tmp_path / "bad.csv", rows), chunk_size=100, now=SECOND_IMPORT)

    assert (report.refused, report.rows_read, report.rows_written) == (True, 300, 0)
    assert count(engine) == 10
    assert stored(engine, "CUST0001").profile["name"] == "Customer 1"


def test_skip_invalid_writes_the_valid_rows_on_either_path(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    rows = [row(n) for n in range(1, 301)]
    rows[250] = row(251, email="nobody")

    report = import_csv(engine, write_csv(tmp_path / "c.csv", rows), chunk_size=100, skip_invalid=True)

    assert (report.refused, report.rows_written, report.rows_invalid, count(engine)) == (False, 299, 1, 299)


def test_a_nul_or_a_line_break_in_a_name_or_email_refuses_the_file_naming_line_and_column(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    rows = [row(n) for n in range(1, 11)]
    rows[3] = row(4, name="Customer\x004")
    rows[5] = row(6, email="customer6@exa\nmple.com")
    path = tmp_path / "c.csv"
    write_csv(path, rows)

    report = import_csv(engine, path)

    assert report.refused and count(engine) == 0
    assert [(e.line, e.column) for e in report.errors] == [(5, "name"), (7, "email")]
    assert "line 5, column name: 'Customer\\x004' holds the control character U+0000" in report.summary()


def test_text_with_tabs_backslashes_and_quotes_is_stored_exactly_on_either_path(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    names = ["Tab\tIn", "Back\\slash", 'Smith "Red", Jr.', "Zoë \\N", "José Ñ 😀"]
    rows = [row(n, name=name) for n, name in enumerate(names, start=1)]

    import_csv(engine, write_csv(tmp_path / "c.csv", rows))

    assert [stored(engine, f"CUST{n:04d}").profile["name"] for n in range(1, 6)] == names


@pytest.mark.mysql
def test_a_server_that_refuses_load_data_after_saying_it_allows_it_falls_back_to_executemany(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a server whose check says yes but whose LOAD DATA LOCAL answers with an error
    if engine.dialect.name == "sqlite":
        pytest.skip("a MySQL/MariaDB scenario")
    monkeypatch.setattr(load, "local_infile_allowed", lambda _connection: True)
    with engine.connect() as connection:
        before = bool(connection.exec_driver_sql("SELECT @@local_infile").scalar_one())
    _set_local_infile(engine, False)
    try:
        with caplog.at_level(logging.WARNING, logger="retention.importing.load"):
            report = import_csv(engine, write_csv(tmp_path / "c.csv", [row(n) for n in range(1, 51)]))
    finally:
        _set_local_infile(engine, before)

    # then the import is still whole, by executemany, and says why
    assert (report.rows_read, report.rows_written, report.refused, count(engine)) == (50, 50, False, 50)
    assert "refused LOAD DATA LOCAL" in caplog.text


def test_on_mysql_the_import_uses_load_data_when_the_server_allows_it_and_executemany_when_not(
    engine: Engine, import_path: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("a MySQL/MariaDB scenario")
    path = write_csv(tmp_path / "c.csv", [row(n) for n in range(1, 11)])

    with caplog.at_level(logging.INFO, logger="retention"):
        import_csv(engine, path)  # into the empty table
        first = caplog.text
        caplog.clear()
        import_csv(engine, write_csv(tmp_path / "c.csv", [row(n) for n in range(5, 16)]))  # an upsert
        second = caplog.text

    assert count(engine) == 15
    off = "the server has local_infile off: importing with executemany"
    if import_path == "default":
        assert "LOAD DATA of 10 rows into the empty customers table" in first and off not in first
        assert "LOAD DATA of 11 rows into staging" in second and off not in second
    else:
        assert off in first and off in second and "LOAD DATA" not in first + second


def test_a_database_user_who_may_not_create_temporary_tables_still_imports_by_executemany(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given customers already stored, and a user with rights on the rows but not on temporary tables
    if engine.dialect.name == "sqlite":
        pytest.skip("a MySQL/MariaDB scenario")
    import_csv(engine, write_csv(tmp_path / "a.csv", [row(n) for n in range(1, 11)]), now=FIRST_IMPORT)
    user, database = f"import_{uuid.uuid4().hex[:8]}", engine.url.database
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'x'")
        connection.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{user}'@'%%'")
    limited = make_engine(engine.url.set(username=user, password="x").render_as_string(hide_password=False))
    try:
        # when that user re-imports with one customer changed
        rows = [row(n, tenure_months="59") if n == 3 else row(n) for n in range(1, 13)]
        with caplog.at_level(logging.WARNING, logger="retention.importing.load"):
            report = import_csv(limited, write_csv(tmp_path / "b.csv", rows), now=SECOND_IMPORT)
    finally:
        limited.dispose()
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP USER '{user}'@'%%'")

    # then the upsert went through executemany, whole
    assert "no staging table" in caplog.text and "importing with executemany" in caplog.text
    assert (report.rows_written, count(engine)) == (12, 12)
    assert stored(engine, "CUST0003").profile["tenure_months"] == 59


def test_ids_that_differ_only_in_case_stay_two_customers_when_imported_and_reimported(
    engine: Engine, import_path: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", [row(1, customer_id="CUSTX1"), row(2, customer_id="custx1")])

    import_csv(engine, path, now=FIRST_IMPORT)  # into the empty table
    import_csv(engine, path, now=SECOND_IMPORT)  # an upsert of both

    assert count(engine) == 2
    assert stored(engine, "CUSTX1").profile["name"] == "Customer 1"
    assert stored(engine, "custx1").profile["name"] == "Customer 2"
