"""CSV rows of the original system's export, checked against the declared schema; pure, no I/O of its own.

Line numbers are physical lines (header = line 1); a row is named by the line it starts on, so a quoted
field holding a line break does not shift the numbers of later rows. customer_ids repeat only when
equal byte for byte, as storage compares them (utf8mb4_bin on MySQL): CUST1 and cust1 are two customers.
How each value is read is in `values`. A caller that only
reads the rows (scoring a file, not importing it) may accept a header without the optional columns and
rows that repeat an id.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from retention import features
from retention.errors import InvalidInput
from retention.importing.values import Converter, InvalidValue, fast_converter, full_converter
from retention.records import Value

EXPECTED_FIELDS = len(features.CSV_HEADER)
_HEADER = ",".join(features.CSV_HEADER)
_SHOWN_CHARS = 60
_OPTIONAL = ", ".join(c.name for c in features.COLUMNS if not c.required)


@dataclass(frozen=True)
class RowError:
    """One problem in one data row: where (physical line, column), the offending value and why."""

    line: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        shown = f"{self.value!r} " if self.value is not None else ""
        return f"{where}: {shown}{self.reason}"


ParsedRow = dict[str, Value] | list[RowError]


@dataclass(frozen=True)
class _Layout:
    """The columns a file holds, in order, their converters, and the optional columns it leaves out."""

    names: tuple[str, ...]
    fast: tuple[Converter, ...]
    full: tuple[Converter, ...]
    absent: dict[str, Value]


def _layout(names: tuple[str, ...]) -> _Layout:
    columns = [features.COLUMNS_BY_NAME[name] for name in names]
    return _Layout(
        names=names,
        fast=tuple(fast_converter(column) for column in columns),
        full=tuple(full_converter(column) for column in columns),
        absent={name: None for name in features.CSV_HEADER if name not in names},
    )


_EVERY_COLUMN = _layout(features.CSV_HEADER)


def _shown(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def parse_row(line_number: int, fields: Sequence[str]) -> dict[str, Value] | list[RowError]:
    """One data row's fields as typed values by column name, or every problem found in it."""
    return _parse_row(_EVERY_COLUMN, line_number, fields)


def _parse_row(layout: _Layout, line_number: int, fields: Sequence[str]) -> ParsedRow:
    expected = len(layout.names)
    if len(fields) != expected:
        return [RowError(line_number, None, None, f"expected {expected} fields, found {len(fields)}")]
    try:
        values = [convert(raw) for convert, raw in zip(layout.fast, fields, strict=True)]
    except (InvalidValue, ValueError):
        pass  # the full rules below name every problem in the row, not just the first
    else:
        row = dict(zip(layout.names, values, strict=True))
        if layout.absent:
            row.update(layout.absent)
        return row
    row = {}
    errors: list[RowError] = []
    for name, convert, raw in zip(layout.names, layout.full, fields, strict=True):
        try:
            row[name] = convert(raw)
        except InvalidValue as exc:
            errors.append(RowError(line_number, name, _shown(raw), exc.reason))
    if errors:
        return errors
    row.update(layout.absent)
    return row


def header_problems(fields: Sequence[str], expected: Sequence[str] = features.CSV_HEADER) -> list[str]:
    """What is wrong with a header row: missing, unexpected, repeated or out-of-order columns; [] if right."""
    problems = [
        f"{what} columns: {', '.join(names)}"
        for what, names in (
            ("missing", [name for name in expected if name not in fields]),
            ("unexpected", [repr(name) for name in fields if name not in expected]),
            ("repeated", sorted({name for name in fields if fields.count(name) > 1})),
        )
        if names
    ]
    if not problems and tuple(fields) != tuple(expected):
        at = next(i for i, (got, want) in enumerate(zip(fields, expected, strict=True)) if got != want)
        problems.append(f"columns out of order: column {at + 1} is {fields[at]!r}, expected {expected[at]!r}")
    return problems


def read_rows(
    lines: Iterable[str], *, allow_absent_optional_columns: bool = False, allow_repeated_ids: bool = False
) -> Iterator[tuple[int, ParsedRow]]:
    """Checks the header, then yields each data row's first line number with its values or its errors.

    `lines` come as from a file opened with newline="". Raises InvalidInput for a missing or wrong header
    and for CSV that cannot be split into fields (e.g. an unclosed quote). Blank lines are skipped.
    `allow_absent_optional_columns` accepts a header without some optional columns (churn, health_score;
    the rest stay in declared order), and the absent ones are None in every row. `allow_repeated_ids`
    skips the repeated customer_id check, and with it the memory that check needs.
    """
    reader = csv.reader(lines, strict=True)
    # The earlier line a repeated id names; ids compare byte for byte, as storage does. ~130 MB at 1M rows.
    first_seen: dict[str, int] | None = None if allow_repeated_ids else {}
    previous_end = 0
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"the file is empty; expected a header row: {_HEADER}")
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        layout = _layout_of(header) if allow_absent_optional_columns else _EVERY_COLUMN
        problems = header_problems(header, layout.names)
        if problems:
            expected = f"expected exactly: {_HEADER}"
            if allow_absent_optional_columns:
                expected = f"expected: {_HEADER} (the optional columns {_OPTIONAL} may be left out)"
            raise InvalidInput(f"line 1: wrong header ({'; '.join(problems)}); {expected}")
        previous_end = reader.line_num
        for fields in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if fields:
                parsed = _parse_row(layout, line, fields)
                if first_seen is not None:
                    parsed = _with_repeat_check(layout, line, fields, parsed, first_seen)
                yield line, parsed
    except csv.Error as exc:
        raise InvalidInput(f"line {previous_end + 1}: malformed CSV ({exc})") from exc


def _layout_of(header: Sequence[str]) -> _Layout:
    # Every required column is expected, so a header missing one is still named as missing.
    names = tuple(c.name for c in features.COLUMNS if c.required or c.name in header)
    return _EVERY_COLUMN if names == features.CSV_HEADER else _layout(names)


def _with_repeat_check(
    layout: _Layout, line: int, fields: Sequence[str], parsed: ParsedRow, first_seen: dict[str, int]
) -> ParsedRow:
    if isinstance(parsed, dict):
        customer_id = str(parsed["customer_id"])
    elif len(fields) == len(layout.names) and all(error.column != "customer_id" for error in parsed):
        customer_id = fields[layout.names.index("customer_id")].strip()
    else:
        return parsed
    earlier = first_seen.setdefault(customer_id, line)
    if earlier == line:
        return parsed
    repeat = RowError(line, "customer_id", _shown(customer_id), f"repeats the customer_id of line {earlier}")
    return [repeat] if isinstance(parsed, dict) else [repeat, *parsed]
