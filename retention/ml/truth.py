"""The generator's side file of true churn probabilities, for comparing a model with the best achievable."""

from __future__ import annotations

import csv
from pathlib import Path

from retention.errors import InvalidInput

TRUTH_HEADER = ("customer_id", "true_churn_probability")


def read_truth(path: Path) -> dict[str, float]:
    """customer_id → true churn probability; InvalidInput naming the line of anything malformed."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            if header != TRUTH_HEADER:
                raise InvalidInput(
                    f"{path}: header must be {','.join(TRUTH_HEADER)} (got {','.join(header)})"
                )
            truth: dict[str, float] = {}
            for fields in reader:
                try:
                    customer_id, text = fields
                    probability = float(text)
                except ValueError as exc:
                    raise InvalidInput(
                        f"{path}, line {reader.line_num}: expected customer_id,probability"
                    ) from exc
                if not 0.0 <= probability <= 1.0:
                    raise InvalidInput(
                        f"{path}, line {reader.line_num}: probability {text} is outside [0, 1]"
                    )
                truth[customer_id] = probability
            return truth
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
