"""Streams a CSV export into storage: every row checked, then upserted in one transaction."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine
from tqdm import tqdm

from retention.errors import InvalidInput
from retention.importing.parse import RowError, read_rows
from retention.importing.tally import RowTally, with_problems
from retention.records import Value
from retention.storage.customers import upsert_profiles
from retention.storage.engine import local_infile_engine
from retention.storage.staged import LocalInfileRefused, load_staged, local_infile_allowed, write_rows

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

    Every row is checked before any is kept. On MySQL/MariaDB with `local_infile` on, the valid rows go
    to a private temporary file and, only once the whole file is checked, into the database in one
    transaction (`retention.storage.staged`); elsewhere they are written `chunk_size` at a time in one
    transaction, rolled back on refusal. With `skip_invalid` the valid rows are written and the invalid
    ones reported. A customer whose profile changed loses its latest risk; an unchanged one keeps it.
    `progress=None` shows a bar only when stderr is a terminal. `now` (aware) stamps created_at/updated_at,
    by default the current time. Raises InvalidInput for a file that cannot be read, is not UTF-8, is not
    CSV or has the wrong header; nothing is written then either.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    started = time.perf_counter()
    stamp = now if now is not None else datetime.now(UTC)
    try:
        file = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    show = sys.stderr.isatty() if progress is None else progress
    with (
        file,
        tqdm(
            total=os.fstat(file.fileno()).st_size, unit="B", unit_scale=True, desc=path.name, disable=not show
        ) as bar,
    ):
        job = _Job(file, bar, chunk_size=chunk_size, skip_invalid=skip_invalid, now=stamp)
        try:
            tally = _staged(engine, job) if _can_stage(engine) else None
            if tally is None:
                tally = _chunked(engine, job.restarted())
        except InvalidInput as exc:
            raise InvalidInput(f"{path}: {exc.message}") from exc
    refused = bool(tally.rows_invalid) and not skip_invalid
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


@dataclass
class _Job:
    """One file being imported: where it is read from, how, and the counts so far."""

    file: BinaryIO
    bar: tqdm[bytes]
    chunk_size: int
    skip_invalid: bool
    now: datetime
    tally: RowTally = field(default_factory=RowTally)

    def batches(self) -> Iterator[list[dict[str, Value]]]:
        """The valid rows to keep, a chunk at a time; none once a refusal is certain."""
        rows = read_rows(decoded_lines(self.file))
        while batch := list(islice(rows, self.chunk_size)):
            valid = self.tally.valid_rows(batch)
            self.bar.update(self.file.tell() - self.bar.n)
            # Once a refusal is certain, keeping more rows only grows what must be undone.
            if self.skip_invalid or not self.tally.rows_invalid:
                self.tally.rows_kept += len(valid)
                yield valid

    @property
    def refused(self) -> bool:
        return bool(self.tally.rows_invalid) and not self.skip_invalid

    def restarted(self) -> _Job:
        """The same job from the top of the file, counts reset (after a path that gave up)."""
        if self.tally.rows_read:
            self.file.seek(0)
            self.bar.reset()
            self.tally = RowTally()
        return self


def _chunked(engine: Engine, job: _Job) -> RowTally:
    with engine.connect() as connection, connection.begin() as transaction:
        for valid in job.batches():
            upsert_profiles(connection, valid, now=job.now)
        if job.refused:
            transaction.rollback()
    return job.tally


def _can_stage(engine: Engine) -> bool:
    if engine.dialect.name not in ("mysql", "mariadb"):
        return False
    with engine.connect() as connection:
        if local_infile_allowed(connection):
            return True
    logger.info("the server has local_infile off: importing with executemany, about 4x slower")
    return False


def _staged(engine: Engine, job: _Job) -> RowTally | None:
    """The whole file checked into a private TSV, then loaded in one transaction.

    None when the server will not take the file that way (the caller then imports by executemany).
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="retention-import-") as folder:
        staged = Path(folder) / "customers.tsv"  # the folder is readable by this user only
        with staged.open("w", encoding="utf-8", newline="") as out:
            for valid in job.batches():
                write_rows(out, valid)
        checked = time.perf_counter()
        if job.refused or not job.tally.rows_kept:
            return job.tally
        loader = local_infile_engine(engine)
        try:
            with loader.begin() as connection:
                load_staged(connection, staged, rows=job.tally.rows_kept, now=job.now)
        except LocalInfileRefused as exc:
            logger.warning("the server refused LOAD DATA LOCAL (%s): importing with executemany", exc)
            return None
        finally:
            loader.dispose()
    logger.info(
        "import: %d rows checked and staged in %.1f s, loaded in %.1f s",
        job.tally.rows_kept,
        checked - started,
        time.perf_counter() - checked,
    )
    return job.tally
