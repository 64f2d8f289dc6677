"""The synthetic seed generator: deterministic, schema-true, and churn drawn from a known probability."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest

from retention.features import COLUMNS, CSV_HEADER, Kind
from seeds import generator
from seeds.generator import (
    BLOCK_ROWS,
    DEFAULT_SEED,
    FLOAT_DECIMALS,
    TRUTH_HEADER,
    churn_probability,
    generate_chunks,
    iter_rows,
    main,
    write_csv,
)

SEEDS_DIR = Path(generator.__file__).resolve().parent
COMMITTED_CSV = SEEDS_DIR / "customers.csv"
COMMITTED_TRUTH = SEEDS_DIR / "customers_truth.csv"
COMMITTED_COUNT = 5000


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _collect(count: int, **kwargs: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    chunks = list(generate_chunks(count, **kwargs))
    columns = {name: np.concatenate([c.columns[name] for c in chunks]) for name in CSV_HEADER}
    return columns, np.concatenate([c.true_probability for c in chunks])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """20,000 rows (crossing several random blocks) written once with their truth file."""
    folder = tmp_path_factory.mktemp("sample")
    out, truth = folder / "customers.csv", folder / "truth.csv"
    write_csv(out, 20_000, truth_path=truth)
    return out, truth


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_csv(tmp_path / f"{name}.csv", 3000, seed=5, truth_path=tmp_path / f"{name}_truth.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a_truth.csv").read_bytes() == (tmp_path / "b_truth.csv").read_bytes()


def test_different_seeds_give_different_rows(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", 200, seed=1)
    write_csv(tmp_path / "b.csv", 200, seed=2)
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


def test_chunk_size_does_not_change_output(tmp_path: Path) -> None:
    count = 2 * BLOCK_ROWS + 123
    for chunk_size in (count, 1000, 333, BLOCK_ROWS):
        truth = tmp_path / f"{chunk_size}.t"
        write_csv(tmp_path / f"{chunk_size}.csv", count, chunk_size=chunk_size, truth_path=truth)
    expected = (tmp_path / f"{count}.csv").read_bytes()
    expected_truth = (tmp_path / f"{count}.t").read_bytes()
    for chunk_size in (1000, 333, BLOCK_ROWS):
        assert (tmp_path / f"{chunk_size}.csv").read_bytes() == expected
        assert (tmp_path / f"{chunk_size}.t").read_bytes() == expected_truth


def test_a_longer_run_begins_with_the_shorter_run() -> None:
    short, short_probability = _collect(1000)
    long, long_probability = _collect(BLOCK_ROWS + 10)
    assert all(np.array_equal(short[name], long[name][:1000]) for name in CSV_HEADER)
    assert np.array_equal(short_probability, long_probability[:1000])


def test_chunks_never_exceed_the_chunk_size() -> None:
    sizes = [len(chunk) for chunk in generate_chunks(2500, chunk_size=1000)]
    assert sizes == [1000, 1000, 500]


def test_the_header_is_the_declared_schema(sample: tuple[Path, Path]) -> None:
    with sample[0].open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == CSV_HEADER


def test_every_value_is_within_the_declared_schema(sample: tuple[Path, Path]) -> None:
    rows = _read_rows(sample[0])
    assert len(rows) == 20_000
    for column in COLUMNS:
        values = [row[column.name] for row in rows]
        assert all(values), f"{column.name} has empty values"
        if column.max_length is not None:
            assert max(map(len, values)) <= column.max_length, column.name
        if column.kind is Kind.CATEGORY:
            assert set(values) == set(column.categories), column.name
        if column.kind in (Kind.INT, Kind.FLAG):
            assert all(re.fullmatch(r"\d+", value) for value in values), column.name
        if column.kind is Kind.FLAG:
            assert set(values) == {"0", "1"}, column.name
        if column.kind is Kind.FLOAT:
            pattern = rf"\d+\.\d{{{FLOAT_DECIMALS[column.name]}}}"
            assert all(re.fullmatch(pattern, value) for value in values), column.name
        if column.is_numeric:
            numbers = [float(value) for value in values]
            assert column.minimum is None or min(numbers) >= column.minimum, column.name
            assert column.maximum is None or max(numbers) <= column.maximum, column.name


def test_customer_ids_count_up_from_the_first_index() -> None:
    columns, _ = _collect(5, first_index=42)
    assert columns["customer_id"].tolist() == [f"CUST{n:07d}" for n in range(42, 47)]
    emails = columns["email"].tolist()
    assert all(email.endswith(f"{n}@example.com") for n, email in zip(range(42, 47), emails, strict=True))


def test_names_are_invented_and_emails_use_the_reserved_domain(sample: tuple[Path, Path]) -> None:
    rows = _read_rows(sample[0])
    assert all(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", row["name"]) for row in rows)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com", row["email"]) for row in rows)
    assert all(row["email"].startswith(row["name"].lower().replace(" ", ".")) for row in rows)
    assert len({row["email"] for row in rows}) == len(rows)


def test_rows_are_csv_ready_strings_in_header_order() -> None:
    chunk = next(generate_chunks(3))
    rows = list(iter_rows(chunk))
    assert len(rows) == 3
    assert all(len(row) == len(CSV_HEADER) and all(isinstance(v, str) for v in row) for row in rows)
    assert rows[0][0] == "CUST0000001"


def test_the_truth_file_gives_every_customer_its_probability(sample: tuple[Path, Path]) -> None:
    customers = _read_rows(sample[0])
    truth = _read_rows(sample[1])
    assert tuple(truth[0]) == TRUTH_HEADER
    assert [row["customer_id"] for row in truth] == [row["customer_id"] for row in customers]
    assert all(re.fullmatch(r"0\.\d{6}", row["true_churn_probability"]) for row in truth)


def test_the_true_probability_is_the_documented_formula() -> None:
    risky = {
        "last_login_days": np.array([45, 0]),
        "usage_drop_flag": np.array([1, 0]),
        "payment_failures": np.array([2, 0]),
        "unresolved_tickets": np.array([3, 0]),
        "tenure_months": np.array([3, 40]),
        "subscription_type": np.array(["Basic", "Basic"]),
        "monthly_charges": np.array([700.0, 700.0]),
        "discount_applied": np.array([0, 1]),
        "monthly_active_days": np.array([2, 25]),
    }
    logits = [-3.9 + 2.0 + 1.2 + 0.7 + 0.9 + 0.9 + 0.8, -3.9 + 0.8 - 0.7]
    expected = [1 / (1 + math.exp(-logit)) for logit in logits]
    assert churn_probability(risky).tolist() == pytest.approx(expected)


def test_churn_follows_the_true_probability() -> None:
    columns, probability = _collect(20_000)
    churn = columns["churn"]
    standard_error = math.sqrt(float(np.sum(probability * (1 - probability)))) / len(churn)
    assert abs(churn.mean() - probability.mean()) < 4 * standard_error
    assert 0.15 <= churn.mean() <= 0.20
    for low, high in ((0.0, 0.1), (0.1, 0.3), (0.3, 1.0)):
        in_bin = (probability >= low) & (probability < high)
        assert abs(churn[in_bin].mean() - probability[in_bin].mean()) < 0.03


def test_marginals_look_like_the_original_export() -> None:
    columns, _ = _collect(20_000)
    plans = columns["subscription_type"]
    assert (plans == "Basic").mean() == pytest.approx(0.41, abs=0.02)
    assert (plans == "Standard").mean() == pytest.approx(0.36, abs=0.02)
    assert (plans == "Premium").mean() == pytest.approx(0.23, abs=0.02)
    assert columns["usage_drop_flag"].mean() == pytest.approx(0.29, abs=0.02)
    assert columns["discount_applied"].mean() == pytest.approx(0.36, abs=0.02)
    expected_ranges = {
        "tenure_months": (1, 59),
        "last_login_days": (0, 59),
        "login_frequency": (1, 29),
        "avg_session_duration": (5, 120),
        "feature_usage_count": (1, 49),
        "monthly_active_days": (1, 29),
        "monthly_charges": (199, 1499),
        "payment_failures": (0, 3),
        "support_ticket_count": (0, 9),
        "unresolved_tickets": (0, 4),
        "health_score": (0, 100),
    }
    for name, (low, high) in expected_ranges.items():
        assert low <= columns[name].min() and columns[name].max() <= high, name
    assert np.all(columns["unresolved_tickets"] <= columns["support_ticket_count"])
    correlation = np.corrcoef(columns["login_frequency"], columns["monthly_active_days"])[0, 1]
    assert correlation > 0.5


def test_committed_seed_file_matches_the_generator(tmp_path: Path) -> None:
    out, truth = tmp_path / "customers.csv", tmp_path / "customers_truth.csv"
    write_csv(out, COMMITTED_COUNT, seed=DEFAULT_SEED, truth_path=truth)
    assert out.read_bytes() == COMMITTED_CSV.read_bytes()
    assert truth.read_bytes() == COMMITTED_TRUTH.read_bytes()


def test_the_command_line_writes_the_files(tmp_path: Path) -> None:
    out, truth = tmp_path / "out.csv", tmp_path / "truth.csv"
    assert main(["--count", "50", "--out", str(out), "--truth", str(truth)]) == 0
    assert len(_read_rows(out)) == 50
    assert len(_read_rows(truth)) == 50


@pytest.mark.parametrize(
    "arguments",
    [{"count": -1}, {"count": 5, "chunk_size": 0}, {"count": 5, "seed": -3}, {"count": 5, "first_index": -1}],
)
def test_invalid_arguments_are_refused_before_anything_is_generated(arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate_chunks(**arguments)
