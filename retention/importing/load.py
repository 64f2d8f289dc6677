"""Streams a CSV export into storage: checked and upserted chunk by chunk inside one transaction."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine
from tqdm import tqdm

from retention.errors import InvalidInput
from retention.importing.parse import RowError, read_rows
from retention.importing.tally import RowTally, with_problems
from retention.storage.customers import upsert_profiles

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, written and invalid, the first problems, and whether it was refused."""

    rows_read: int
    rows_written: int
    rows_invalid: int
    errors: list[RowError]
    refused: bool
    elapsed_seconds: float

    def summary(self) -> str:
        """A few lines for a person: the outcome, then the first problems found."""
        if self.refused:
            head = (
                f"Refused: {self.rows_invalid:,} of {self.rows_read:,} rows are invalid; nothing was written."
                " Fix them, or import with --skip-invalid to write only the valid rows."
            )
        else:
            head = f"Imported {self.rows_written:,} of {self.rows_read:,} rows ({self.elapsed_seconds:.1f} s)"
            head += f"; skipped {self.rows_invalid:,} invalid rows." if self.rows_invalid else "."
        return with_problems(head, self.errors)


def decoded_lines(file: BinaryIO) -> Iterator[str]:
    """The file's lines as text; InvalidInput naming the first line that is not UTF-8."""
    # Decoded line by line (not through a text wrapper) so a byte that is not UTF-8 is named by its line.
    for number, raw in enumerate(file, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise InvalidInput(
                f"line {number} is not UTF-8 (byte 0x{bad} at byte {exc.start + 1} of the line); "
                "save the file as UTF-8"
            ) from None


def import_csv(
    engine: Engine,
    path: Path,
    *,
    chunk_size: int = 5000,
    skip_invalid: bool = False,
    progress: bool | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Imports a CSV export, upserting by customer_id; a file with any invalid row is refused whole.

    Rows are checked and written `chunk_size` at a time in one transaction, rolled back on refusal. With
    `skip_invalid` the valid rows are written and the invalid ones reported. `progress=None` shows a bar
    only when stderr is a terminal. `now` (aware) stamps created_at/updated_at, by default the current time.
    Raises InvalidInput for a file that cannot be read, is not UTF-8, is not CSV or has the wrong header;
    nothing is written then either.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    started = time.perf_counter()
    stamp = now if now is not None else datetime.now(UTC)
    try:
        file = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    tally = RowTally()
    show = sys.stderr.isatty() if progress is None else progress
    with (
        file,
        tqdm(
            total=os.fstat(file.fileno()).st_size, unit="B", unit_scale=True, desc=path.name, disable=not show
        ) as bar,
    ):
        try:
            with engine.connect() as connection, connection.begin() as transaction:
                rows = read_rows(decoded_lines(file))
                while batch := list(islice(rows, chunk_size)):
                    valid = tally.valid_rows(batch)
                    # Once a refusal is certain, writing more only grows what the rollback must undo.
                    if skip_invalid or not tally.rows_invalid:
                        upsert_profiles(connection, valid, now=stamp)
                        tally.rows_kept += len(valid)
                    bar.update(file.tell() - bar.n)
                refused = bool(tally.rows_invalid) and not skip_invalid
                if refused:
                    transaction.rollback()
        except InvalidInput as exc:
            raise InvalidInput(f"{path}: {exc.message}") from exc
    report = ImportReport(
        rows_read=tally.rows_read,
        rows_written=0 if refused else tally.rows_kept,
        rows_invalid=tally.rows_invalid,
        errors=tally.errors,
        refused=refused,
        elapsed_seconds=time.perf_counter() - started,
    )
    logger.info("import of %s: %s", path, report.summary().splitlines()[0])
    return report
