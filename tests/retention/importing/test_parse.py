"""Row, header and line-number rules of the CSV parser, without a database."""

from __future__ import annotations

import csv
import io

import pytest

from retention.errors import InvalidInput
from retention.features import CSV_HEADER
from retention.importing.parse import RowError, header_problems, parse_row, read_rows

GOOD = {
    "customer_id": "CUST0001",
    "name": "Seer Ilangovan",
    "email": "seer.ilangovan@example.com",
    "tenure_months": "39",
    "last_login_days": "22",
    "login_frequency": "20",
    "avg_session_duration": "5.1",
    "feature_usage_count": "25",
    "monthly_active_days": "13",
    "usage_drop_flag": "0",
    "subscription_type": "Standard",
    "monthly_charges": "1345.57",
    "payment_failures": "2",
    "discount_applied": "1",
    "support_ticket_count": "9",
    "unresolved_tickets": "0",
    "churn": "1",
    "health_score": "58",
}


def fields(**changes: str) -> list[str]:
    return [changes.get(name, GOOD[name]) for name in CSV_HEADER]


def csv_lines(*rows: list[str], header: tuple[str, ...] = CSV_HEADER) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(header), *rows])
    return io.StringIO(out.getvalue(), newline="").readlines()


def test_a_good_row_becomes_typed_values_by_column_name() -> None:
    row = parse_row(2, fields())

    assert row == {
        **GOOD,
        "tenure_months": 39,
        "last_login_days": 22,
        "login_frequency": 20,
        "avg_session_duration": 5.1,
        "feature_usage_count": 25,
        "monthly_active_days": 13,
        "usage_drop_flag": 0,
        "monthly_charges": 1345.57,
        "payment_failures": 2,
        "discount_applied": 1,
        "support_ticket_count": 9,
        "unresolved_tickets": 0,
        "churn": 1,
        "health_score": 58,
    }


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        ("tenure_months", " 12 ", 12),
        ("tenure_months", "12.0", 12),
        ("health_score", "58.00", 58),
        ("usage_drop_flag", "1.0", 1),
        ("avg_session_duration", "1.5e2", 150.0),
        ("avg_session_duration", "7", 7.0),
        ("subscription_type", " Premium ", "Premium"),
        ("name", "  Seer  ", "Seer"),
        ("churn", "", None),
        ("health_score", "  ", None),
    ],
)
def test_other_spellings_of_valid_values_are_accepted(column: str, raw: str, expected: object) -> None:
    row = parse_row(2, fields(**{column: raw}))

    assert isinstance(row, dict)
    assert row[column] == expected
    assert type(row[column]) is type(expected)


@pytest.mark.parametrize(
    ("column", "raw", "reason"),
    [
        ("customer_id", "", "a value is required"),
        ("customer_id", "CUST 1", "may hold only letters, digits, '_', '-' and '.'"),
        ("customer_id", "CUST/1", "may hold only letters, digits, '_', '-' and '.'"),
        ("customer_id", "C" * 65, "is longer than 64 characters"),
        ("name", " ", "a value is required"),
        ("name", "N" * 201, "is longer than 200 characters"),
        ("email", "seer.example.com", "is not an email address (one @ with text on both sides)"),
        ("email", "@example.com", "is not an email address (one @ with text on both sides)"),
        ("email", "seer@", "is not an email address (one @ with text on both sides)"),
        ("email", "a@b@example.com", "is not an email address (one @ with text on both sides)"),
        ("tenure_months", "abc", "is not a whole number"),
        ("tenure_months", "12.5", "is not a whole number"),
        ("tenure_months", "1e3", "is not a whole number"),
        ("tenure_months", "1_000", "is not a whole number"),
        ("tenure_months", "nan", "is not a whole number"),
        ("tenure_months", "inf", "is not a whole number"),
        ("tenure_months", "-1", "is below the minimum 0"),
        ("tenure_months", "1201", "is above the maximum 1200"),
        ("tenure_months", "9" * 5000, "is out of range"),
        ("monthly_active_days", "32", "is above the maximum 31"),
        ("avg_session_duration", "abc", "is not a number"),
        ("avg_session_duration", "1_0", "is not a number"),
        ("avg_session_duration", "nan", "is not a finite number"),
        ("avg_session_duration", "inf", "is not a finite number"),
        ("avg_session_duration", "1e999", "is not a finite number"),
        ("avg_session_duration", "-0.5", "is below the minimum 0"),
        ("avg_session_duration", "1440.5", "is above the maximum 1440"),
        ("monthly_charges", "", "a value is required"),
        ("usage_drop_flag", "2", "is not 0 or 1"),
        ("usage_drop_flag", "true", "is not 0 or 1"),
        ("usage_drop_flag", "", "a value is required"),
        ("churn", "yes", "is not 0 or 1"),
        ("subscription_type", "Gold", "is not one of Basic, Standard, Premium"),
        ("subscription_type", "basic", "is not one of Basic, Standard, Premium (names are case-sensitive)"),
        ("health_score", "101", "is above the maximum 100"),
    ],
)
def test_a_bad_value_is_named_by_line_column_and_reason(column: str, raw: str, reason: str) -> None:
    errors = parse_row(500, fields(**{column: raw}))

    shown = raw.strip() or None
    if shown is not None and len(shown) > 60:
        shown = shown[:60] + "…"
    assert errors == [RowError(500, column, shown, reason)]


def test_an_error_reads_as_line_column_value_and_reason() -> None:
    [error] = parse_row(500, fields(tenure_months="abc"))

    assert str(error) == "line 500, column tenure_months: 'abc' is not a whole number"


def test_every_bad_value_in_a_row_is_reported_in_column_order() -> None:
    errors = parse_row(9, fields(email="x", tenure_months="-3", subscription_type="Gold"))

    assert isinstance(errors, list)
    assert [e.column for e in errors] == ["email", "tenure_months", "subscription_type"]


@pytest.mark.parametrize("count", [17, 19])
def test_a_row_with_the_wrong_number_of_fields_is_one_error(count: int) -> None:
    row = (fields() + ["extra"])[:count]

    [error] = parse_row(7, row)

    assert error == RowError(7, None, None, f"expected 18 fields, found {count}")
    assert str(error) == f"line 7: expected 18 fields, found {count}"


def test_the_declared_header_has_no_problems() -> None:
    assert header_problems(CSV_HEADER) == []


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (CSV_HEADER[:-1], "missing columns: health_score"),
        ((*CSV_HEADER, "notes"), "unexpected columns: 'notes'"),
        (
            ("customer_id", "full_name", *CSV_HEADER[2:]),
            "missing columns: name; unexpected columns: 'full_name'",
        ),
        (("Customer_ID", *CSV_HEADER[1:]), "missing columns: customer_id; unexpected columns: 'Customer_ID'"),
        ((*CSV_HEADER, "churn"), "repeated columns: churn"),
        (
            ("customer_id", "name", "email", "last_login_days", "tenure_months", *CSV_HEADER[5:]),
            "columns out of order: column 4 is 'last_login_days', expected 'tenure_months'",
        ),
    ],
)
def test_a_wrong_header_names_what_is_missing_unexpected_or_out_of_order(
    header: tuple[str, ...], problem: str
) -> None:
    assert "; ".join(header_problems(header)) == problem


def test_reading_a_wrong_header_raises_invalid_input_naming_line_1() -> None:
    with pytest.raises(InvalidInput, match=r"line 1: wrong header \(missing columns: health_score\)"):
        list(read_rows(csv_lines(fields()[:-1], header=CSV_HEADER[:-1])))


def test_an_empty_file_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="the file is empty"):
        list(read_rows([]))


def test_a_byte_order_mark_before_the_header_is_accepted() -> None:
    lines = csv_lines(fields())
    lines[0] = "\ufeff" + lines[0]

    assert [line for line, _ in read_rows(lines)] == [2]


def test_rows_are_numbered_by_physical_line_even_after_a_quoted_line_break() -> None:
    lines = csv_lines(
        fields(customer_id="A1"),
        fields(customer_id="A2", name="Seer\nIlangovan\nJr"),
        fields(customer_id="A3", tenure_months="abc"),
    )

    parsed = list(read_rows(lines))

    assert [line for line, _ in parsed] == [2, 3, 6]
    # A line break inside a name is a control character: refused, on the line the row starts on.
    assert [(e.line, e.column) for e in parsed[1][1]] == [(3, "name")]  # type: ignore[union-attr]
    assert parsed[2][1] == [RowError(6, "tenure_months", "abc", "is not a whole number")]


@pytest.mark.parametrize("column", ["customer_id", "name", "email"])
@pytest.mark.parametrize(
    ("character", "code"),
    [("\x00", "U+0000"), ("\n", "U+000A"), ("\r", "U+000D"), ("\x1b", "U+001B"), ("\x85", "U+0085")],
    ids=["nul", "line-feed", "carriage-return", "escape", "c1-next-line"],
)
def test_a_control_character_inside_a_text_field_is_refused_naming_line_and_column(
    column: str, character: str, code: str
) -> None:
    value = GOOD[column][:3] + character + GOOD[column][3:]
    out = io.StringIO()  # every field quoted, as a spreadsheet quotes a field holding a line break
    csv.writer(out, quoting=csv.QUOTE_ALL).writerows(
        [CSV_HEADER, fields(customer_id="A1"), fields(**{column: value})]
    )

    parsed = list(read_rows(io.StringIO(out.getvalue(), newline="")))

    assert isinstance(parsed[0][1], dict)
    errors = parsed[1][1]
    assert isinstance(errors, list) and [(e.line, e.column) for e in errors] == [(3, column)]
    assert str(errors[0]).startswith(f"line 3, column {column}: ")
    assert f"holds the control character {code} at character 4" in str(errors[0])


def test_a_control_character_that_stripping_would_remove_is_refused_too() -> None:
    parsed = parse_row(2, fields(name="Seer Ilangovan\x00", email="\vseer@example.com"))

    assert isinstance(parsed, list) and [e.column for e in parsed] == ["name", "email"]


def test_a_tab_inside_a_name_is_kept() -> None:
    parsed = parse_row(2, fields(name="Seer\tIlangovan"))

    assert isinstance(parsed, dict) and parsed["name"] == "Seer\tIlangovan"


def test_blank_lines_are_skipped_but_still_counted() -> None:
    lines = csv_lines(fields(customer_id="A1"), fields(customer_id="A2"))
    lines.insert(2, "\n")

    assert [line for line, _ in read_rows(lines)] == [2, 4]


def test_a_repeated_customer_id_is_an_error_on_the_later_line_naming_the_earlier() -> None:
    lines = csv_lines(fields(customer_id="A1"), fields(customer_id="B2"), fields(customer_id="A1"))

    parsed = dict(read_rows(lines))

    assert isinstance(parsed[2], dict)
    assert parsed[4] == [RowError(4, "customer_id", "A1", "repeats the customer_id of line 2")]


def test_a_repeat_of_an_id_whose_row_was_invalid_is_still_named() -> None:
    lines = csv_lines(fields(customer_id="A1", churn="7"), fields(customer_id="A1", tenure_months="x"))

    errors = dict(read_rows(lines))[3]

    assert isinstance(errors, list)
    assert [e.column for e in errors] == ["customer_id", "tenure_months"]


def test_an_unclosed_quote_raises_invalid_input_naming_the_line_it_opens_on() -> None:
    lines = csv_lines(fields(customer_id="A1"))
    lines.append('A2,"Seer Ilangovan,a@b.c,1\n')

    with pytest.raises(InvalidInput, match="line 3: malformed CSV"):
        list(read_rows(lines))


def test_ids_that_differ_only_in_case_are_two_customers() -> None:
    lines = csv_lines(fields(customer_id="CUST1"), fields(customer_id="cust1"))

    parsed = [values for _, values in read_rows(lines)]

    assert all(isinstance(values, dict) for values in parsed)
