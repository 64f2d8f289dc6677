"""Scores a CSV file in the import format into a CSV of risks and drivers, streaming; no database.

The output is written to a hidden file beside the target and renamed onto it only when the run succeeds,
so a refused or failed run leaves no partial output and an existing target as it was. Repeated
customer_ids are scored like any other row: scoring has no key to overwrite, and skipping the check keeps
memory bounded by the chunk size however long the file is.
"""

from __future__ import annotations

import csv
import logging
import os
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from tqdm import tqdm

from retention.errors import InvalidInput
from retention.importing.load import decoded_lines
from retention.importing.parse import RowError, read_rows
from retention.importing.tally import RowTally, with_problems
from retention.ml.matrix import matrix_from_profiles
from retention.ml.registry import LoadedModel
from retention.reasons import top_reasons
from retention.records import Value
from retention.risk import RiskPolicy, risk_score

logger = logging.getLogger(__name__)

DRIVERS = 3
OUTPUT_HEADER: tuple[str, ...] = (
    "customer_id",
    "probability",
    "score",
    "tier",
    *(f"driver_{n}" for n in range(1, DRIVERS + 1)),
)


@dataclass(frozen=True)
class PredictReport:
    """What scoring a file did: rows read, scored and invalid, the first problems, whether it was refused."""

    rows_read: int
    rows_scored: int
    rows_invalid: int
    errors: tuple[RowError, ...]
    refused: bool
    model_version: str
    elapsed_seconds: float

    def summary(self) -> str:
        """A few lines for a person: the outcome, then the first problems found."""
        if self.refused:
            head = (
                f"Refused: {self.rows_invalid:,} of {self.rows_read:,} rows are invalid; no output was"
                " written. Fix them, or score with --skip-invalid to write only the valid rows."
            )
        else:
            head = (
                f"Scored {self.rows_scored:,} of {self.rows_read:,} rows with model {self.model_version}"
                f" ({self.elapsed_seconds:.1f} s)"
            )
            head += f"; skipped {self.rows_invalid:,} invalid rows." if self.rows_invalid else "."
        return with_problems(head, self.errors)


def _scored_rows(
    model: LoadedModel, policy: RiskPolicy, profiles: list[dict[str, Value]]
) -> Iterator[list[str]]:
    matrix = matrix_from_profiles(profiles)
    # explain() gives the probabilities the drivers add up to, so a row never disagrees with itself.
    explained = model.explain(matrix)
    for profile, values, contributions, p in zip(
        profiles, matrix, explained.contributions, explained.probabilities, strict=True
    ):
        probability = float(p)
        yield [
            str(profile["customer_id"]),
            f"{probability:.6f}",
            str(risk_score(probability)),
            policy.tier(probability).value,
            *(reason.sentence for reason in top_reasons(values, contributions, limit=DRIVERS)),
        ]


def same_file(source: Path, target: Path) -> bool:
    """Whether writing `target` would overwrite `source`: the same path, link or hard link."""
    if source.resolve() == target.resolve():
        return True
    try:
        return os.path.samefile(source, target)
    except OSError:  # the target does not exist yet
        return False


def predict_file(
    model: LoadedModel,
    policy: RiskPolicy,
    source: Path,
    target: Path,
    *,
    chunk_size: int = 5000,
    skip_invalid: bool = False,
    progress: bool | None = None,
) -> PredictReport:
    """Scores every row of `source` into `target`; a file with any invalid row is refused whole.

    `source` is in the import format; the optional columns (churn, health_score) may be absent. Rows are
    read and scored `chunk_size` at a time. With `skip_invalid` the valid rows are scored and the invalid
    ones reported. `progress=None` shows a bar only when stderr is a terminal. Raises InvalidInput for a
    file that cannot be read, is not UTF-8, is not CSV or has the wrong header, and for a target that
    cannot be written; `target` is left as it was then, as on refusal.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    started = time.perf_counter()
    if target.is_dir():
        raise InvalidInput(f"{target}: is a folder; name the file to write")
    if same_file(source, target):
        raise InvalidInput(f"{target}: is the input file itself; write the scores to another file")
    try:
        file = source.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    # Beside the target, so the final rename stays on one file system and is atomic.
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    tally = RowTally()
    with file:
        try:
            out = partial.open("x", encoding="utf-8", newline="")
        except OSError as exc:
            raise InvalidInput(f"{target}: cannot be written ({exc.strerror or exc})") from exc
        show = sys.stderr.isatty() if progress is None else progress
        size = os.fstat(file.fileno()).st_size
        try:
            with out, tqdm(total=size, unit="B", unit_scale=True, desc=source.name, disable=not show) as bar:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(OUTPUT_HEADER)
                rows = read_rows(
                    decoded_lines(file), allow_absent_optional_columns=True, allow_repeated_ids=True
                )
                while batch := list(islice(rows, chunk_size)):
                    valid = tally.valid_rows(batch)
                    # Once a refusal is certain, scoring more is wasted work; reading on counts the problems.
                    if valid and (skip_invalid or not tally.rows_invalid):
                        writer.writerows(_scored_rows(model, policy, valid))
                        tally.rows_kept += len(valid)
                    bar.update(file.tell() - bar.n)
            refused = bool(tally.rows_invalid) and not skip_invalid
            if not refused:
                os.replace(partial, target)
        except InvalidInput as exc:
            raise InvalidInput(f"{source}: {exc.message}") from exc
        finally:
            partial.unlink(missing_ok=True)
    report = PredictReport(
        rows_read=tally.rows_read,
        rows_scored=0 if refused else tally.rows_kept,
        rows_invalid=tally.rows_invalid,
        errors=tuple(tally.errors),
        refused=refused,
        model_version=model.version,
        elapsed_seconds=time.perf_counter() - started,
    )
    logger.info("prediction of %s into %s: %s", source, target, report.summary().splitlines()[0])
    return report
