"""One CSV field as a typed value, by its column's declared rule in `features.COLUMNS`; pure.

Two text rules go by column name, as the schema has no pattern field: a customer_id is ASCII letters,
digits and `_-.`; an email has one @ with text on both sides. Decisions worth knowing:
- Every field is stripped of surrounding whitespace; an empty optional field is None.
- INT accepts a whole number written with a zero fraction ("12.0"), because spreadsheet and pandas exports
  write integer columns that have blanks that way; "12.5", "1e3", "1_000", "nan" and "inf" are refused.
- FLAG accepts 0 and 1 only (also "0.0"/"1.0", as INT); "true"/"false" are refused: the export never
  writes them, and accepting them would hide a column filled in by some other tool.
- FLOAT accepts decimals and exponents ("1.5e2"), nothing that is not finite.
- TEXT refuses control characters (Unicode category Cc: NUL, line breaks, escape, ...) anywhere in the
  field, even where stripping would remove them; only tab is allowed. Stored text is shown in a dashboard,
  written to files and sent in emails, where a NUL or a line break inside a name does harm.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Callable

from retention.features import Column, Kind
from retention.records import Value

_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0+)?")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.\-]+")
# Category Cc is closed (Unicode stability policy) and lies wholly below U+00A0.
_CONTROL = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc" and c != 9)
    + "]"
)

Converter = Callable[[str], Value]


class InvalidValue(Exception):
    """A field breaks its column's rule; the reason reads after the quoted value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _bound(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _in_range(value: float, column: Column) -> None:
    if column.minimum is not None and value < column.minimum:
        raise InvalidValue(f"is below the minimum {_bound(column.minimum)}")
    if column.maximum is not None and value > column.maximum:
        raise InvalidValue(f"is above the maximum {_bound(column.maximum)}")


def _text(column: Column) -> Converter:
    def check(text: str) -> Value:
        if column.max_length is not None and len(text) > column.max_length:
            raise InvalidValue(f"is longer than {column.max_length} characters")
        if column.name == "customer_id" and not _CUSTOMER_ID.fullmatch(text):
            raise InvalidValue("may hold only letters, digits, '_', '-' and '.'")
        if column.name == "email" and (text.count("@") != 1 or text[0] == "@" or text[-1] == "@"):
            raise InvalidValue("is not an email address (one @ with text on both sides)")
        return text

    return check


def _int(column: Column) -> Converter:
    def check(text: str) -> Value:
        try:
            if text.isascii() and text.isdigit():
                value = int(text)
            elif _WHOLE.fullmatch(text):
                value = int(text.partition(".")[0])
            else:
                raise InvalidValue("is not a whole number")
        except ValueError:  # more digits than int() parses: far beyond every declared range
            raise InvalidValue("is out of range") from None
        _in_range(value, column)
        return value

    return check


def _flag(column: Column) -> Converter:
    def check(text: str) -> Value:
        if text == "0" or text == "1":
            return int(text)
        if _WHOLE.fullmatch(text) and float(text) in (0.0, 1.0):
            return int(float(text))
        raise InvalidValue("is not 0 or 1")

    return check


def _float(column: Column) -> Converter:
    def check(text: str) -> Value:
        if not _DECIMAL.fullmatch(text):
            try:
                special = not math.isfinite(float(text))
            except ValueError:
                special = False
            raise InvalidValue("is not a finite number" if special else "is not a number")
        value = float(text)
        if not math.isfinite(value):  # e.g. 1e999
            raise InvalidValue("is not a finite number")
        _in_range(value, column)
        return value

    return check


def _category(column: Column) -> Converter:
    folded = {c.casefold() for c in column.categories}

    def check(text: str) -> Value:
        if text in column.categories:
            return text
        hint = " (names are case-sensitive)" if text.casefold() in folded else ""
        raise InvalidValue(f"is not one of {', '.join(column.categories)}{hint}")

    return check


_CHECKS: dict[Kind, Callable[[Column], Converter]] = {
    Kind.TEXT: _text,
    Kind.INT: _int,
    Kind.FLAG: _flag,
    Kind.FLOAT: _float,
    Kind.CATEGORY: _category,
}


def control_character(raw: str) -> str | None:
    """Why a text field is refused for holding a control character other than tab; None if it holds none."""
    if raw.isprintable():  # fast for almost every field; isprintable() is False for every Cc but tab too
        return None
    found = _CONTROL.search(raw)
    if found is None:
        return None
    return (
        f"holds the control character U+{ord(found.group()):04X} at character {found.start() + 1}; "
        "text may hold no control character other than tab"
    )


def full_converter(column: Column) -> Converter:
    """Every rule of the column: strips, then checks required, kind, range, categories and length."""
    check = _CHECKS[column.kind](column)
    text_column = column.kind is Kind.TEXT

    def convert(raw: str) -> Value:
        """The field's value; raises InvalidValue with the reason it breaks the rule."""
        if text_column and (problem := control_character(raw)) is not None:
            raise InvalidValue(problem)
        text = raw.strip()
        if text:
            return check(text)
        if column.required:
            raise InvalidValue("a value is required")
        return None

    return convert


def fast_converter(column: Column) -> Converter:
    """The same rule, quick for the export's own spelling; on a ValueError ask the full rule why."""
    full = full_converter(column)
    # Bounds are finite so that inf (and nan, which compares False) always take the full path.
    low = column.minimum if column.minimum is not None else -sys.float_info.max
    high = column.maximum if column.maximum is not None else sys.float_info.max
    if column.kind is Kind.INT:

        def whole(raw: str) -> Value:
            if raw.isdigit() and raw.isascii():
                value = int(raw)
                if low <= value <= high:
                    return value
            return full(raw)

        return whole
    if column.kind is Kind.FLOAT:

        def decimal(raw: str) -> Value:
            value = float(raw)  # ValueError sends the whole row to the full rules
            if low <= value <= high and raw.isascii() and "_" not in raw:
                return value
            return full(raw)

        return decimal
    if column.kind is Kind.FLAG or column.kind is Kind.CATEGORY:
        known: dict[str, Value] = (
            {"0": 0, "1": 1} if column.kind is Kind.FLAG else {c: c for c in column.categories}
        )

        def lookup(raw: str) -> Value:
            value = known.get(raw)
            return value if value is not None else full(raw)

        return lookup
    return full


def check_typed(column: Column, value: object) -> Value:
    """An already-typed value (from an API input rather than a CSV field) by the same rules of the column.

    Whole numbers for INT, 0/1 (or a bool) for FLAG, a finite number for FLOAT, a declared name for a
    CATEGORY, then the range; raises InvalidValue with the reason.
    """
    if value is None:
        if column.required:
            raise InvalidValue("a value is required")
        return None
    if column.kind is Kind.TEXT or column.kind is Kind.CATEGORY:
        if not isinstance(value, str):
            raise InvalidValue("is not text")
        if column.kind is Kind.TEXT and (problem := control_character(value)) is not None:
            raise InvalidValue(problem)
        return _CHECKS[column.kind](column)(value)
    if isinstance(value, bool):
        if column.kind is Kind.FLAG:
            return int(value)
        raise InvalidValue("is not a number")
    if not isinstance(value, int | float):
        raise InvalidValue("is not a number")
    if column.kind is Kind.FLAG:
        if value not in (0, 1):
            raise InvalidValue("is not 0 or 1")
        return int(value)
    if not math.isfinite(value):
        raise InvalidValue("is not a finite number")
    if column.kind is Kind.INT and not float(value).is_integer():
        raise InvalidValue("is not a whole number")
    _in_range(value, column)
    return int(value) if column.kind is Kind.INT else float(value)
