"""Deterministic generator of synthetic customer profiles with a documented churn mechanism.

Rows come out in the original system's CSV format: the columns of ``retention.features.CSV_HEADER``
in that order. Every row's churn label is drawn from a true probability computed from the row's own
features (see ``churn_probability`` and seeds/README.md), so a model's quality can be compared with
the best achievable. Randomness is drawn in fixed blocks of ``BLOCK_ROWS`` rows, each seeded from
``(seed, block number)``, so the output never depends on the chunk size. No real people: names are
built from invented syllables and every address is at the reserved domain example.com.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retention.features import COLUMNS, CSV_HEADER, SUBSCRIPTION_TYPES, Kind

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20261127
DEFAULT_CHUNK_SIZE = 50_000
# Rows per independently seeded block of random draws. Part of the output's definition:
# changing it changes every file generated.
BLOCK_ROWS = 8_192

TRUTH_HEADER: tuple[str, str] = ("customer_id", "true_churn_probability")
TRUTH_DECIMALS = 6
# Decimal places written for each FLOAT column of the schema.
FLOAT_DECIMALS: dict[str, int] = {"avg_session_duration": 1, "monthly_charges": 2}

# --- Feature marginals ---------------------------------------------------------------------------
PLAN_SHARES: tuple[float, ...] = (0.41, 0.36, 0.23)  # Basic, Standard, Premium
# Monthly charges are uniform (to the cent) within a plan's band; the bands overlap.
PLAN_CHARGE_BANDS: tuple[tuple[int, int], ...] = ((199, 899), (449, 1199), (799, 1499))
PAYMENT_FAILURE_SHARES: tuple[float, ...] = (0.58, 0.24, 0.12, 0.06)  # 0, 1, 2, 3 failures
DISCOUNT_SHARE = 0.36

# --- The churn mechanism: logit(p) = INTERCEPT + the weights of the conditions that hold -------------
INTERCEPT = -3.9
INACTIVE_DAYS = 30  # last_login_days at or above this counts as long inactivity
INACTIVE_WEIGHT = 2.0
USAGE_DROP_WEIGHT = 1.2  # usage_drop_flag = 1
PAYMENT_FAILURE_WEIGHT = 0.7  # at least one failed payment
UNRESOLVED_TICKETS = 2  # unresolved_tickets at or above this
UNRESOLVED_WEIGHT = 0.9
SHORT_TENURE_MONTHS = 6  # tenure_months at or below this
SHORT_TENURE_WEIGHT = 0.9
BASIC_HIGH_CHARGES = 650.0  # the interaction: Basic plan billed at or above this
BASIC_HIGH_CHARGES_WEIGHT = 0.8
DISCOUNT_WEIGHT = -0.7  # discount_applied = 1

# --- Invented name syllables (not taken from any list of real names) -----------------------------
_GIVEN_HEADS = (
    "Al", "Bre", "Cas", "Dov", "Ely", "Fen", "Gal", "Hes", "Ilo", "Jor", "Kae", "Lur",
    "Mav", "Nel", "Ori", "Pav", "Quo", "Ras", "Sel", "Tov", "Ula", "Vey", "Wyn", "Zar",
)
_GIVEN_TAILS = ("a", "en", "is", "o", "ara", "ian", "elle", "um", "ine", "ov", "ey", "ith")
_FAMILY_HEADS = (
    "Ambr", "Bel", "Corv", "Dral", "Esk", "Fal", "Grend", "Hald", "Istr", "Jarv", "Kest", "Lom",
    "Mord", "Nev", "Ost", "Pell", "Quar", "Rov", "Stav", "Tarn", "Ulv", "Vard", "Wend", "Yst",
)
_FAMILY_TAILS = ("amir", "eth", "ovar", "ick", "undel", "asso", "erin", "oth", "ayne", "ulle", "ivar", "esk")

_GIVEN_NAMES = np.array([head + tail for head, tail in product(_GIVEN_HEADS, _GIVEN_TAILS)])
_FAMILY_NAMES = np.array([head + tail for head, tail in product(_FAMILY_HEADS, _FAMILY_TAILS)])
_GIVEN_LOWER = np.strings.lower(_GIVEN_NAMES)
_FAMILY_LOWER = np.strings.lower(_FAMILY_NAMES)
_PLAN_NAMES = np.array(SUBSCRIPTION_TYPES)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class GeneratedChunk:
    """Consecutive generated rows: one array per CSV column plus each row's true churn probability."""

    first_index: int
    columns: Mapping[str, NDArray[Any]]
    true_probability: FloatArray

    def __len__(self) -> int:
        """Number of rows in the chunk."""
        return int(self.true_probability.shape[0])


def _sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function, elementwise."""
    result: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return result


def churn_logit(columns: Mapping[str, NDArray[Any]]) -> FloatArray:
    """The log-odds of churn implied by a row's features (the documented mechanism)."""
    last_login = np.asarray(columns["last_login_days"])
    usage_drop = np.asarray(columns["usage_drop_flag"]) == 1
    failures = np.asarray(columns["payment_failures"])
    plan = np.asarray(columns["subscription_type"])
    charges = np.asarray(columns["monthly_charges"], dtype=np.float64)
    logit = np.full(last_login.shape, INTERCEPT, dtype=np.float64)
    logit += INACTIVE_WEIGHT * (last_login >= INACTIVE_DAYS)
    logit += USAGE_DROP_WEIGHT * usage_drop
    logit += PAYMENT_FAILURE_WEIGHT * (failures >= 1)
    logit += UNRESOLVED_WEIGHT * (np.asarray(columns["unresolved_tickets"]) >= UNRESOLVED_TICKETS)
    logit += SHORT_TENURE_WEIGHT * (np.asarray(columns["tenure_months"]) <= SHORT_TENURE_MONTHS)
    logit += BASIC_HIGH_CHARGES_WEIGHT * ((plan == SUBSCRIPTION_TYPES[0]) & (charges >= BASIC_HIGH_CHARGES))
    logit += DISCOUNT_WEIGHT * (np.asarray(columns["discount_applied"]) == 1)
    return logit


def churn_probability(columns: Mapping[str, NDArray[Any]]) -> FloatArray:
    """The true churn probability of each row, computed from its features alone."""
    return _sigmoid(churn_logit(columns))


def _legacy_health_score(columns: Mapping[str, NDArray[Any]], noise: FloatArray) -> IntArray:
    """Imitates the old system's hand-written 0-100 score: a few features plus noise, never the label."""
    score = (
        78.0
        + 1.1 * (columns["monthly_active_days"] - 15)
        - 0.45 * columns["last_login_days"]
        - 12.0 * columns["usage_drop_flag"]
        - 7.0 * columns["payment_failures"]
        - 5.0 * columns["unresolved_tickets"]
        + 0.25 * np.minimum(columns["tenure_months"], 36)
        + noise
    )
    clipped: IntArray = np.clip(np.rint(score), 0, 100).astype(np.int64)
    return clipped


def _draw_block(seed: int, block_number: int) -> dict[str, NDArray[Any]]:
    """BLOCK_ROWS rows of every column but the identifiers, seeded by (seed, block number) alone."""
    rng = np.random.default_rng(np.random.SeedSequence((seed, block_number)))
    n = BLOCK_ROWS
    engagement = rng.standard_normal(n)
    tenure = rng.integers(1, 60, n)
    active_days = 1 + np.floor(29 * _sigmoid(1.6 * (0.9 * engagement + 0.44 * rng.standard_normal(n))))
    active_days = np.clip(active_days, 1, 29).astype(np.int64)
    logins = np.clip(active_days + np.rint(3.5 * rng.standard_normal(n)), 1, 29).astype(np.int64)
    last_login_x = -1.3 * (0.8 * engagement + 0.6 * rng.standard_normal(n))
    last_login = np.clip(np.floor(60 * _sigmoid(last_login_x)), 0, 59).astype(np.int64)
    drop_logit = -1.7 + 1.2 * (last_login >= INACTIVE_DAYS) - 0.5 * engagement
    usage_drop = (rng.random(n) < _sigmoid(drop_logit)).astype(np.int64)
    session = np.rint(rng.uniform(50.0, 1200.0, n)) / 10.0
    feature_usage = np.clip(np.rint(25 + 6 * engagement + 10 * rng.standard_normal(n)), 1, 49)
    plan_code = rng.choice(len(PLAN_SHARES), size=n, p=PLAN_SHARES)
    bands = np.array(PLAN_CHARGE_BANDS, dtype=np.int64)[plan_code] * 100
    cents = bands[:, 0] + np.floor(rng.random(n) * (bands[:, 1] - bands[:, 0] + 1)).astype(np.int64)
    failures = rng.choice(len(PAYMENT_FAILURE_SHARES), size=n, p=PAYMENT_FAILURE_SHARES).astype(np.int64)
    discount = (rng.random(n) < DISCOUNT_SHARE).astype(np.int64)
    tickets = np.minimum(rng.poisson(1.8 + 0.7 * failures), 9).astype(np.int64)
    unresolved = np.minimum(rng.binomial(tickets, 0.3), 4).astype(np.int64)
    columns: dict[str, NDArray[Any]] = {
        "tenure_months": tenure.astype(np.int64),
        "last_login_days": last_login,
        "login_frequency": logins,
        "avg_session_duration": session,
        "feature_usage_count": feature_usage.astype(np.int64),
        "monthly_active_days": active_days,
        "usage_drop_flag": usage_drop,
        "subscription_type": _PLAN_NAMES[plan_code],
        "monthly_charges": cents / 100.0,
        "payment_failures": failures,
        "discount_applied": discount,
        "support_ticket_count": tickets,
        "unresolved_tickets": unresolved,
    }
    probability = churn_probability(columns)
    columns["churn"] = (rng.random(n) < probability).astype(np.int64)
    columns["health_score"] = _legacy_health_score(columns, 6.0 * rng.standard_normal(n))
    columns["true_probability"] = probability
    columns["given"] = rng.integers(0, len(_GIVEN_NAMES), n)
    columns["family"] = rng.integers(0, len(_FAMILY_NAMES), n)
    return columns


def _identify(columns: dict[str, NDArray[Any]], first_index: int) -> None:
    """Adds customer_id, name and email for rows numbered from first_index."""
    numbers = np.arange(first_index, first_index + columns["given"].shape[0], dtype=np.int64).astype(np.str_)
    given = columns.pop("given")
    family = columns.pop("family")
    columns["customer_id"] = np.strings.add("CUST", np.strings.zfill(numbers, 7))
    columns["name"] = np.strings.add(np.strings.add(_GIVEN_NAMES[given], " "), _FAMILY_NAMES[family])
    local = np.strings.add(np.strings.add(_GIVEN_LOWER[given], "."), _FAMILY_LOWER[family])
    columns["email"] = np.strings.add(np.strings.add(local, numbers), "@example.com")


def generate_chunks(
    count: int, *, seed: int = DEFAULT_SEED, chunk_size: int = DEFAULT_CHUNK_SIZE, first_index: int = 1
) -> Iterator[GeneratedChunk]:
    """Yields `count` generated rows in chunks of at most `chunk_size`; output never depends on chunk_size."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if first_index < 0:
        raise ValueError(f"first_index must be >= 0, got {first_index}")
    return _chunks(count, seed, chunk_size, first_index)


def _chunks(count: int, seed: int, chunk_size: int, first_index: int) -> Iterator[GeneratedChunk]:
    """The chunks of generate_chunks, assembled from the cached random blocks that cover them."""
    cached_number = -1
    cached: dict[str, NDArray[Any]] = {}
    for start in range(0, count, chunk_size):
        stop = min(start + chunk_size, count)
        pieces: list[dict[str, NDArray[Any]]] = []
        for block_number in range(start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS + 1):
            if block_number != cached_number:
                cached, cached_number = _draw_block(seed, block_number), block_number
            offset = block_number * BLOCK_ROWS
            low, high = max(start - offset, 0), min(stop - offset, BLOCK_ROWS)
            pieces.append({name: values[low:high] for name, values in cached.items()})
        merged = {name: np.concatenate([piece[name] for piece in pieces]) for name in pieces[0]}
        _identify(merged, first_index + start)
        probability = merged.pop("true_probability")
        missing = set(CSV_HEADER) - merged.keys()
        if missing:
            raise RuntimeError(f"the generator does not produce schema columns {sorted(missing)}")
        ordered = {name: merged[name] for name in CSV_HEADER}
        yield GeneratedChunk(first_index=first_index + start, columns=ordered, true_probability=probability)


def _column_strings(name: str, kind: Kind, values: NDArray[Any]) -> list[str]:
    """One column's values as the CSV writes them."""
    if kind is Kind.FLOAT:
        spec = f".{FLOAT_DECIMALS[name]}f"
        return [format(value, spec) for value in values.tolist()]
    if kind in (Kind.INT, Kind.FLAG):
        return list(map(str, values.tolist()))
    return list(values.tolist())


def iter_rows(chunk: GeneratedChunk) -> Iterator[tuple[str, ...]]:
    """The chunk's rows as CSV-ready string tuples in CSV_HEADER order."""
    strings = [_column_strings(c.name, c.kind, chunk.columns[c.name]) for c in COLUMNS]
    return zip(*strings, strict=True)


def iter_truth_rows(chunk: GeneratedChunk) -> Iterator[tuple[str, str]]:
    """The chunk's (customer_id, true churn probability) rows as CSV-ready strings."""
    spec = f".{TRUTH_DECIMALS}f"
    probabilities = [format(value, spec) for value in chunk.true_probability.tolist()]
    return zip(chunk.columns["customer_id"].tolist(), probabilities, strict=True)


def write_csv(
    path: Path,
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    truth_path: Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    first_index: int = 1,
) -> None:
    """Writes `count` generated rows with a header to `path`, and their true probabilities to `truth_path`."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        truth_file = truth_path.open("w", encoding="utf-8", newline="") if truth_path else None
        try:
            truth_writer = csv.writer(truth_file, lineterminator="\n") if truth_file else None
            if truth_writer:
                truth_writer.writerow(TRUTH_HEADER)
            for chunk in generate_chunks(count, seed=seed, chunk_size=chunk_size, first_index=first_index):
                writer.writerows(iter_rows(chunk))
                if truth_writer:
                    truth_writer.writerows(iter_truth_rows(chunk))
        finally:
            if truth_file:
                truth_file.close()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of `python -m seeds.generator`."""
    parser = argparse.ArgumentParser(prog="python -m seeds.generator", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="rows to generate (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--truth", type=Path, default=None, help="optional side file of true probabilities")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the seed (default {DEFAULT_SEED})")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="rows generated at a time")
    parser.add_argument("--first-index", type=int, default=1, help="number of the first customer id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: writes the seed CSV (and optionally the truth file)."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    write_csv(
        args.out, args.count, seed=args.seed, truth_path=args.truth,
        chunk_size=args.chunk_size, first_index=args.first_index,
    )
    logger.info(
        "wrote %d rows to %s%s in %.2f s", args.count, args.out,
        f" and truth to {args.truth}" if args.truth else "", time.perf_counter() - started,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
