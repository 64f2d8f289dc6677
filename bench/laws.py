"""Churn laws the project's generator does not know, for proving the batch path on data it never saw.

Each law draws its own feature marginals (shapes unlike `seeds/generator.py`: heavy tails, Poisson counts,
correlated engagement) and its own mechanism, and writes a file in the import format plus a side file of
true probabilities (the format `retention train --truth` reads). Ids, names and emails look unlike the
seeds too: another id scheme, accented names, names with commas and quotes that the CSV must quote.

    .venv/bin/python -m bench.laws --law thresholds --rows 1000000 --out bench/out/thresholds.csv

Laws:
- interaction: inactivity only matters for customers whose usage dropped; payment failures weigh three
  times as much on Premium; a smooth effect of log logins.
- thresholds: piecewise-constant risk set by hard cut-offs on active days, unresolved tickets and tenure.
- noisy: many weak effects, so even the best achievable AUC is modest (needs large leaves).
- rare: a 3-4% base rate with smooth effects (calibration and Brier at the low end).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from retention.features import CSV_HEADER, SUBSCRIPTION_TYPES

Columns = dict[str, npt.NDArray[np.generic]]
FloatArray = npt.NDArray[np.float64]
TRUTH_HEADER = ("customer_id", "true_churn_probability")
CHUNK_ROWS = 50_000

_GIVEN = np.array(["José", "Anaïs", "Bjørn", "Zoë", "Mateusz", "Aoife", "Nguyễn", "Léa", "Ömer", "Siân"])
_FAMILY = np.array(["Müller", "O'Neil", "García-Ruiz", "Dupont, Jr.", 'Smith "Red"', "Øster", "Kowalska"])


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def draw_profiles(rng: np.random.Generator, count: int) -> Columns:
    """Feature columns with shapes of their own: correlated engagement, heavy tails, Poisson counts."""
    engagement = rng.beta(2.0, 2.5, count)  # a hidden trait that drives the usage columns together
    plan = rng.choice(3, count, p=[0.5, 0.3, 0.2])
    tickets = rng.poisson(1.5 + 2.0 * (1 - engagement))
    charges = np.exp(rng.normal(np.log([40.0, 90.0, 220.0])[plan], 0.35))
    return {
        "tenure_months": np.minimum(rng.geometric(1 / 30, count) - 1, 1200),
        "last_login_days": np.minimum(rng.exponential(3 + 25 * (1 - engagement) ** 2), 3650).astype(np.int64),
        "login_frequency": np.minimum(rng.poisson(1 + 40 * engagement), 10000),
        "avg_session_duration": np.round(np.minimum(rng.gamma(2.0, 6 + 20 * engagement), 1440), 1),
        "feature_usage_count": np.minimum(rng.negative_binomial(3, 1 / (1 + 8 * engagement)), 100000),
        "monthly_active_days": rng.binomial(31, 0.1 + 0.85 * engagement),
        "usage_drop_flag": (rng.random(count) < 0.08 + 0.25 * (1 - engagement)).astype(np.int64),
        "subscription_type": np.array(SUBSCRIPTION_TYPES)[plan],
        "monthly_charges": np.round(np.minimum(charges, 1_000_000), 2),
        "payment_failures": np.minimum(rng.poisson(0.4, count), 1000),
        "discount_applied": (rng.random(count) < 0.2).astype(np.int64),
        "support_ticket_count": tickets,
        "unresolved_tickets": rng.binomial(tickets, 0.3),
    }


def _interaction(c: Columns) -> FloatArray:
    idle = np.asarray(c["last_login_days"], dtype=np.float64)
    dropped = np.asarray(c["usage_drop_flag"], dtype=np.float64)
    premium = (c["subscription_type"] == "Premium").astype(np.float64)
    failures = np.minimum(np.asarray(c["payment_failures"], dtype=np.float64), 4)
    logit = (
        -0.6
        + dropped * (0.08 * np.minimum(idle, 40) - 0.6)
        + failures * (0.35 + 0.7 * premium)
        - 0.45 * np.log1p(np.asarray(c["login_frequency"], dtype=np.float64))
    )
    return _sigmoid(logit)


def _thresholds(c: Columns) -> FloatArray:
    p = np.full(len(c["tenure_months"]), 0.08)
    p = np.where(np.asarray(c["monthly_active_days"], dtype=np.float64) < 6, 0.45, p)
    p = np.where(np.asarray(c["unresolved_tickets"], dtype=np.float64) >= 3, np.maximum(p, 0.6), p)
    p = np.where((np.asarray(c["tenure_months"], dtype=np.float64) < 4) & (p < 0.3), 0.3, p)
    return np.where(np.asarray(c["discount_applied"]) == 1, p * 0.6, p)


def _noisy(c: Columns) -> FloatArray:
    def z(name: str) -> FloatArray:
        values = np.log1p(np.asarray(c[name], dtype=np.float64))
        return np.asarray((values - values.mean()) / (values.std() or 1.0), dtype=np.float64)

    logit = -0.8 - 0.25 * z("login_frequency") + 0.2 * z("last_login_days") + 0.15 * z("support_ticket_count")
    logit += -0.15 * z("tenure_months") + 0.1 * z("monthly_charges") + 0.2 * c["payment_failures"].clip(0, 3)
    return _sigmoid(logit)


def _rare(c: Columns) -> FloatArray:
    idle = np.asarray(c["last_login_days"], dtype=np.float64)
    logit = (
        -4.4
        + 0.04 * np.minimum(idle, 60)
        + 0.6 * np.asarray(c["unresolved_tickets"], dtype=np.float64).clip(0, 4)
        - 0.012 * np.minimum(np.asarray(c["tenure_months"], dtype=np.float64), 120)
        + 0.5 * np.asarray(c["payment_failures"], dtype=np.float64).clip(0, 3)
    )
    return _sigmoid(logit)


LAWS: dict[str, Callable[[Columns], FloatArray]] = {
    "interaction": _interaction,
    "thresholds": _thresholds,
    "noisy": _noisy,
    "rare": _rare,
}


def _identities(rng: np.random.Generator, start: int, count: int) -> Columns:
    numbers = np.arange(start, start + count)
    given = _GIVEN[rng.integers(len(_GIVEN), size=count)]
    family = _FAMILY[rng.integers(len(_FAMILY), size=count)]
    return {
        "customer_id": np.char.add("acct-", np.char.zfill(numbers.astype(str), 8)),
        "name": np.char.add(np.char.add(given, " "), family),
        "email": np.char.add(np.char.add("user", numbers.astype(str)), "@example.org"),
    }


def law_chunks(law: str, rows: int, *, seed: int) -> Iterator[tuple[Columns, FloatArray]]:
    """(columns with identities, churn label and health score; true probabilities), CHUNK_ROWS at a time."""
    mechanism = LAWS[law]
    for start in range(0, rows, CHUNK_ROWS):
        rng = np.random.default_rng([seed, start])
        count = min(CHUNK_ROWS, rows - start)
        columns = {**_identities(rng, start + 1, count), **draw_profiles(rng, count)}
        truth = mechanism(columns)
        columns["churn"] = (rng.random(count) < truth).astype(np.int64)
        columns["health_score"] = rng.integers(0, 101, count)
        yield columns, truth


def write_law(law: str, rows: int, path: Path, *, seed: int = 7) -> Path:
    """Write `rows` customers of `law` to `path` (import format) and true probabilities beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    truth_path = path.with_name(path.stem + "_truth.csv")
    with (
        path.open("w", newline="", encoding="utf-8") as out,
        truth_path.open("w", newline="", encoding="utf-8") as side,
    ):
        writer, truth_writer = csv.writer(out), csv.writer(side)
        writer.writerow(CSV_HEADER)
        truth_writer.writerow(TRUTH_HEADER)
        for columns, truth in law_chunks(law, rows, seed=seed):
            writer.writerows(zip(*(columns[name].tolist() for name in CSV_HEADER), strict=True))
            truth_writer.writerows(
                zip(columns["customer_id"].tolist(), np.round(truth, 6).tolist(), strict=True)
            )
    return truth_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--law", choices=sorted(LAWS), required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    truth = write_law(args.law, args.rows, args.out, seed=args.seed)
    print(f"wrote {args.rows:,} rows of the {args.law} law to {args.out}; true probabilities in {truth}")  # noqa: T201


if __name__ == "__main__":
    main()
