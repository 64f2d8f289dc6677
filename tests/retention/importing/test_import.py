"""import_csv on a real database: all-or-nothing, skip_invalid, upserts, file-level refusals."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from retention.errors import InvalidInput
from retention.features import CSV_HEADER, SUBSCRIPTION_TYPES
from retention.importing.load import import_csv
from retention.importing.parse import RowError
from retention.records import Customer
from retention.storage.customers import count_customers, get_customer

FIRST_IMPORT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
SECOND_IMPORT = datetime(2026, 2, 5, 9, 30, tzinfo=UTC)


def row(n: int, **changes: str) -> list[str]:
    """Customer n as the original system exports it; in a file of rows 1..N it sits on line n + 1."""
    values = {
        "customer_id": f"CUST{n:04d}",
        "name": f"Customer {n}",
        "email": f"customer{n}@example.com",
        "tenure_months": str(n % 60),
        "last_login_days": str(n % 45),
        "login_frequency": str(n % 29 + 1),
        "avg_session_duration": f"{n % 1000 / 10:.1f}",
        "feature_usage_count": str(n % 50),
        "monthly_active_days": str(n % 31),
        "usage_drop_flag": str(n % 2),
        "subscription_type": SUBSCRIPTION_TYPES[n % 3],
        "monthly_charges": f"{199 + n % 1300}.{n % 100:02d}",
        "payment_failures": str(n % 4),
        "discount_applied": str(n // 2 % 2),
        "support_ticket_count": str(n % 10),
        "unresolved_tickets": str(n % 5),
        "churn": "1" if n % 3 == 0 else "0",
        "health_score": str(n % 101),
    }
    values.update(changes)
    return [values[name] for name in CSV_HEADER]


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = CSV_HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return path


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return count_customers(connection)


def customer(engine: Engine, customer_id: str) -> Customer | None:
    with engine.connect() as connection:
        return get_customer(connection, customer_id)


def stored(engine: Engine, customer_id: str) -> Customer:
    found = customer(engine, customer_id)
    assert found is not None, f"{customer_id} is not stored"
    return found


def test_a_good_file_imports_every_row_and_a_reimport_updates_instead_of_duplicating(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "customers.csv", [row(n) for n in range(1, 1001)])

    first = import_csv(engine, path, chunk_size=128, now=FIRST_IMPORT)

    assert (first.rows_read, first.rows_written, first.rows_invalid, first.refused) == (1000, 1000, 0, False)
    assert first.errors == []
    assert count(engine) == 1000
    seventh = stored(engine, "CUST0007")
    assert seventh.profile["tenure_months"] == 7
    assert seventh.profile["avg_session_duration"] == 0.7
    assert seventh.profile["usage_drop_flag"] == 1
    assert seventh.profile["subscription_type"] == "Standard"
    assert seventh.profile["monthly_charges"] == 206.07

    write_csv(path, [row(n, name="Renamed") if n == 7 else row(n) for n in range(1, 1001)])
    second = import_csv(engine, path, chunk_size=128, now=SECOND_IMPORT)

    assert (second.rows_written, second.refused) == (1000, False)
    assert count(engine) == 1000
    seventh = stored(engine, "CUST0007")
    assert seventh.profile["name"] == "Renamed"
    assert (seventh.created_at, seventh.updated_at) == (FIRST_IMPORT, SECOND_IMPORT)


def test_a_bad_value_on_line_500_refuses_the_file_naming_line_and_column_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    import_csv(engine, write_csv(tmp_path / "before.csv", [row(n) for n in range(1, 11)]), now=FIRST_IMPORT)
    rows = [row(n, name="Changed") for n in range(1, 1001)]
    rows[498] = row(499, tenure_months="abc")  # line 500: the header is line 1

    # Chunks of 100 put four chunks of updates into the transaction before line 500 is read.
    report = import_csv(engine, write_csv(tmp_path / "bad.csv", rows), chunk_size=100, now=SECOND_IMPORT)

    assert report.refused
    assert (report.rows_read, report.rows_written, report.rows_invalid) == (1000, 0, 1)
    assert report.errors == [RowError(500, "tenure_months", "abc", "is not a whole number")]
    assert "line 500, column tenure_months: 'abc' is not a whole number" in report.summary()
    assert count(engine) == 10
    first = stored(engine, "CUST0001")
    assert (first.profile["name"], first.updated_at) == ("Customer 1", FIRST_IMPORT)


def test_skip_invalid_imports_the_other_rows_and_reports_the_bad_lines(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [row(n) for n in range(1, 1001)]
    rows[0] = row(1, email="not-an-address")
    rows[498] = row(499, subscription_type="Gold")
    rows[999] = row(1000, health_score="101")

    report = import_csv(engine, write_csv(tmp_path / "c.csv", rows), chunk_size=100, skip_invalid=True)

    assert not report.refused
    assert (report.rows_read, report.rows_written, report.rows_invalid) == (1000, 997, 3)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "email"),
        (500, "subscription_type"),
        (1001, "health_score"),
    ]
    assert "skipped 3 invalid rows" in report.summary()
    assert count(engine) == 997
    assert customer(engine, "CUST0499") is None
    assert customer(engine, "CUST0500") is not None


def test_a_repeated_customer_id_is_refused_naming_both_lines(engine: Engine, tmp_path: Path) -> None:
    rows = [row(n) for n in range(1, 21)]
    rows[14] = row(15, customer_id="CUST0003")

    report = import_csv(engine, write_csv(tmp_path / "c.csv", rows))

    assert report.refused
    assert report.errors == [RowError(16, "customer_id", "CUST0003", "repeats the customer_id of line 4")]
    assert count(engine) == 0


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (CSV_HEADER[:-1], "missing columns: health_score"),
        ((*CSV_HEADER, "region"), "unexpected columns: 'region'"),
        (
            ("customer_id", "full_name", *CSV_HEADER[2:]),
            "missing columns: name; unexpected columns: 'full_name'",
        ),
    ],
    ids=["missing", "extra", "renamed"],
)
def test_a_header_with_a_missing_extra_or_renamed_column_is_refused(
    engine: Engine, tmp_path: Path, header: tuple[str, ...], problem: str
) -> None:
    path = write_csv(tmp_path / "c.csv", [row(n)[: len(header)] for n in range(1, 4)], header=header)

    with pytest.raises(InvalidInput, match=f"c.csv: line 1: wrong header \\({problem}\\)"):
        import_csv(engine, path)

    assert count(engine) == 0


def test_empty_optional_churn_and_health_score_import_as_null(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [row(1, churn="", health_score=""), row(3)])

    import_csv(engine, path)

    unlabelled, labelled = stored(engine, "CUST0001"), stored(engine, "CUST0003")
    assert (unlabelled.profile["churn"], unlabelled.profile["health_score"]) == (None, None)
    assert (labelled.profile["churn"], labelled.profile["health_score"]) == (1, 3)


def test_a_windows_export_with_a_byte_order_mark_and_crlf_imports(engine: Engine, tmp_path: Path) -> None:
    lines = [",".join(CSV_HEADER), *(",".join(row(n)) for n in range(1, 4))]
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")

    report = import_csv(engine, path)

    assert (report.rows_written, report.refused) == (3, False)


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [row(1), row(2, name="Zoë")])
    path.write_bytes(path.read_bytes().replace("Zoë".encode(), "Zoë".encode("latin-1")))

    with pytest.raises(InvalidInput, match="c.csv: line 3 is not UTF-8"):
        import_csv(engine, path)

    assert count(engine) == 0


def test_a_missing_file_is_refused_as_invalid_input(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="nowhere.csv: cannot be read"):
        import_csv(engine, tmp_path / "nowhere.csv")


def test_only_the_first_20_problems_are_listed_but_every_invalid_row_is_counted(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [row(n, tenure_months="-1") if n % 2 else row(n) for n in range(1, 61)]

    report = import_csv(engine, write_csv(tmp_path / "c.csv", rows))

    assert (report.rows_invalid, len(report.errors)) == (30, 20)
    assert "only the first 20 problems are listed" in report.summary()


def test_a_progress_bar_counts_the_bytes_read_when_asked_for(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_csv(engine, write_csv(tmp_path / "c.csv", [row(n) for n in range(1, 51)]), progress=True)

    assert "100%" in capsys.readouterr().err
