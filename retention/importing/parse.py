"""CSV rows of the original system's export, checked against the declared schema; pure, no I/O of its own.

Line numbers are physical lines (header = line 1); a row is named by the line it starts on, so a quoted
field holding a line break does not shift the numbers of later rows. customer_ids repeat when equal
ignoring ASCII letter case: MariaDB's utf8mb4_unicode_ci unique index treats them as one customer, so
they would silently overwrite each other there. How each value is read is in `values`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from retention import features
from retention.errors import InvalidInput
from retention.importing.values import InvalidValue, fast_converter, full_converter
from retention.records import Value

EXPECTED_FIELDS = len(features.CSV_HEADER)
_ID_INDEX = features.CSV_HEADER.index("customer_id")
_HEADER = ",".join(features.CSV_HEADER)
_SHOWN_CHARS = 60


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


_NAMES = features.CSV_HEADER
_FAST = tuple(fast_converter(column) for column in features.COLUMNS)
_FULL = tuple(full_converter(column) for column in features.COLUMNS)


def _shown(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def parse_row(line_number: int, fields: Sequence[str]) -> dict[str, Value] | list[RowError]:
    """One data row's fields as typed values by column name, or every problem found in it."""
    if len(fields) != EXPECTED_FIELDS:
        return [RowError(line_number, None, None, f"expected {EXPECTED_FIELDS} fields, found {len(fields)}")]
    try:
        return dict(
            zip(_NAMES, [convert(raw) for convert, raw in zip(_FAST, fields, strict=True)], strict=True)
        )
    except (InvalidValue, ValueError):
        pass  # the full rules below name every problem in the row, not just the first
    row: dict[str, Value] = {}
    errors: list[RowError] = []
    for name, convert, raw in zip(_NAMES, _FULL, fields, strict=True):
        try:
            row[name] = convert(raw)
        except InvalidValue as exc:
            errors.append(RowError(line_number, name, _shown(raw), exc.reason))
    return errors or row


def header_problems(fields: Sequence[str]) -> list[str]:
    """What is wrong with a header row: missing, unexpected, repeated or out-of-order columns; [] if right."""
    expected = features.CSV_HEADER
    problems = [
        f"{what} columns: {', '.join(names)}"
        for what, names in (
            ("missing", [name for name in expected if name not in fields]),
            ("unexpected", [repr(name) for name in fields if name not in expected]),
            ("repeated", sorted({name for name in fields if fields.count(name) > 1})),
        )
        if names
    ]
    if not problems and tuple(fields) != expected:
        at = next(i for i, (got, want) in enumerate(zip(fields, expected, strict=True)) if got != want)
        problems.append(f"columns out of order: column {at + 1} is {fields[at]!r}, expected {expected[at]!r}")
    return problems


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, ParsedRow]]:
    """Checks the header, then yields each data row's first line number with its values or its errors.

    `lines` come as from a file opened with newline="". Raises InvalidInput for a missing or wrong header
    and for CSV that cannot be split into fields (e.g. an unclosed quote). Blank lines are skipped.
    """
    reader = csv.reader(lines, strict=True)
    # Keyed by the lower-cased id, for the earlier line a repeat names; ~130 MB at 1,000,000 rows.
    first_seen: dict[str, int] = {}
    previous_end = 0
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"the file is empty; expected a header row: {_HEADER}")
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        problems = header_problems(header)
        if problems:
            raise InvalidInput(f"line 1: wrong header ({'; '.join(problems)}); expected exactly: {_HEADER}")
        previous_end = reader.line_num
        for fields in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if fields:
                yield line, _with_repeat_check(line, fields, parse_row(line, fields), first_seen)
    except csv.Error as exc:
        raise InvalidInput(f"line {previous_end + 1}: malformed CSV ({exc})") from exc


def _with_repeat_check(
    line: int, fields: Sequence[str], parsed: ParsedRow, first_seen: dict[str, int]
) -> ParsedRow:
    if isinstance(parsed, dict):
        customer_id = str(parsed["customer_id"])
    elif len(fields) == EXPECTED_FIELDS and all(error.column != "customer_id" for error in parsed):
        customer_id = fields[_ID_INDEX].strip()
    else:
        return parsed
    earlier = first_seen.setdefault(customer_id.lower(), line)
    if earlier == line:
        return parsed
    repeat = RowError(line, "customer_id", _shown(customer_id), f"repeats the customer_id of line {earlier}")
    return [repeat] if isinstance(parsed, dict) else [repeat, *parsed]
