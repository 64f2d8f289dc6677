"""Counting a streamed file's rows (read, kept, invalid) and reporting its first problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from retention.importing.parse import ParsedRow, RowError
from retention.records import Value

REPORTED_ERRORS = 20


@dataclass
class RowTally:
    """Running counts of a file being imported or scored, keeping the first REPORTED_ERRORS problems."""

    rows_read: int = 0
    rows_kept: int = 0
    rows_invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def valid_rows(self, batch: list[tuple[int, ParsedRow]]) -> list[dict[str, Value]]:
        """The batch's valid rows; the invalid ones are counted and their problems kept."""
        valid: list[dict[str, Value]] = []
        for _line, parsed in batch:
            if isinstance(parsed, list):
                self.rows_invalid += 1
                self.errors.extend(parsed[: REPORTED_ERRORS - len(self.errors)])
            else:
                valid.append(parsed)
        self.rows_read += len(batch)
        return valid


def with_problems(head: str, errors: Sequence[RowError]) -> str:
    """A report for a person: the outcome, then the first problems found."""
    lines = [head, *(f"  {error}" for error in errors)]
    if len(errors) == REPORTED_ERRORS:
        lines.append(f"  (only the first {REPORTED_ERRORS} problems are listed)")
    return "\n".join(lines)
