"""Speed, parity and memory of the production forest: ONNX scoring and explanations against scikit-learn.

Run: .venv/bin/python -m bench.model_speed [--model-dir bench/out/models] [--version NEWEST]
     [--calls 5000] [--reference-calls 300] [--parity-rows 50000] [--batch-rows 1000000]
It loads the version as the services do (ModelRegistry) and measures, on generated customers:
single-customer scoring through ONNX Runtime against scikit-learn's predict_proba with the forest's
n_jobs=1 (the original system took 4 ms a customer), the whole path from a profile dict, ONNX/scikit-learn
parity, `explain` for one and for 1,000 customers with its additivity, SHAP's TreeExplainer on the same
forest when shap is importable, and 1,000,000 rows in chunks of 50,000 through ONNX, `explain` and
scikit-learn with n_jobs=2. Targets: single ≤ 100 µs median, parity ≤ 1e-5, explain ≤ 20 ms for one
and ≤ 2 s for 1,000, additivity ≤ 1e-6, 1,000,000 rows scored ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

from bench.common import (
    add_model_arguments,
    call_times,
    chosen_version,
    format_duration,
    generated_matrices,
    load_model,
    matrix_of_columns,
    peak_rss_mb,
    profile_dicts,
    reproduce,
    verdict,
)
from retention.features import FEATURE_NAMES
from retention.ml.explain import Explanations
from retention.ml.forest_parts import ForestParts
from retention.ml.matrix import Matrix, matrix_from_profiles, matrix_from_tuples
from retention.ml.registry import LoadedModel

TARGET_SINGLE_SECONDS = 100e-6
TARGET_PARITY = 1e-5
TARGET_EXPLAIN_ONE_SECONDS = 0.020
TARGET_EXPLAIN_1000_SECONDS = 2.0
TARGET_ADDITIVITY = 1e-6
TARGET_BATCH_SECONDS = 10.0  # for 1,000,000 rows
ORIGINAL_SYSTEM_SECONDS = 4e-3
SEED = 20261128  # not the training seed: customers the model has not seen
BATCH_SEED = 20261129
BATCH_CHUNK = 50_000
POOL = 2_000  # distinct one-row matrices the single-customer loops cycle through
SHAP_VERSION = "0.51.0"


def _median(times: np.ndarray) -> float:
    return float(np.median(times))


def _p90(times: np.ndarray) -> float:
    return float(np.percentile(times, 90))


def _additivity(explanations: Explanations) -> float:
    total = explanations.base_value + explanations.contributions.sum(axis=1)
    return float(np.max(np.abs(total - explanations.probabilities)))


def _sklearn_probability(pipeline: Any, matrix: Matrix) -> np.ndarray:
    return np.asarray(pipeline.predict_proba(matrix)[:, 1], dtype=np.float64)


def single_customer(
    model: LoadedModel,
    forest: Any,
    rows: list[Matrix],
    profiles: list[dict[str, Any]],
    args: argparse.Namespace,
) -> list[str]:
    """ONNX single-row scoring, the scikit-learn reference, and the path from a profile dict."""
    onnx = call_times(lambda i: model.churn_probability(rows[i % POOL]), args.calls, warmup=200)
    forest.n_jobs = 1
    reference = call_times(
        lambda i: model.pipeline.predict_proba(rows[i % POOL]), args.reference_calls, warmup=10
    )
    from_profile = call_times(
        lambda i: model.churn_probability(matrix_from_profiles([profiles[i % POOL]])), args.calls, warmup=200
    )
    median, ratio = _median(onnx), _median(reference) / _median(onnx)
    return [
        f"single (ONNX)       median {format_duration(median)}, p90 {format_duration(_p90(onnx))} "
        f"over {args.calls:,} calls of churn_probability(1 row) "
        f"(target <= {format_duration(TARGET_SINGLE_SECONDS)}: {verdict(median <= TARGET_SINGLE_SECONDS)})",
        f"single (sklearn)    median {format_duration(_median(reference))}, p90 "
        f"{format_duration(_p90(reference))} over {args.reference_calls:,} calls of predict_proba(1 row), "
        f"n_jobs=1 (original system: {format_duration(ORIGINAL_SYSTEM_SECONDS)})",
        f"single ratio        sklearn / ONNX = {ratio:,.0f}x",
        f"single from dict    median {format_duration(_median(from_profile))}, p90 "
        f"{format_duration(_p90(from_profile))} (matrix_from_profiles + churn_probability)",
    ]


def parity(model: LoadedModel, forest: Any, matrix: Matrix) -> tuple[list[str], float]:
    """Max |ONNX − scikit-learn| and |explain − scikit-learn| over the parity rows."""
    forest.n_jobs = 2
    expected = _sklearn_probability(model.pipeline, matrix)
    onnx = float(np.max(np.abs(model.churn_probability(matrix) - expected)))
    explained = float(np.max(np.abs(model.explain(matrix).probabilities - expected)))
    return [
        f"parity              max |ONNX - sklearn| {onnx:.2e}, max |explain - sklearn| {explained:.2e} "
        f"over {len(matrix):,} rows (target <= {TARGET_PARITY:.0e}: "
        f"{verdict(max(onnx, explained) <= TARGET_PARITY)})"
    ], max(onnx, explained)


def explain_speed(
    model: LoadedModel, forest: Any, n_jobs: Any, rows: list[Matrix], batch: Matrix, args: argparse.Namespace
) -> tuple[list[str], float]:
    """`explain` for one customer and for 1,000 in one call, with additivity on those rows."""
    forest.n_jobs = n_jobs  # as loaded: explain's forest.apply (≥ 256 rows) runs with the model's own setting
    one = call_times(lambda i: model.explain(rows[i % POOL]), args.explain_calls, warmup=20)
    many = call_times(lambda _: model.explain(batch), args.batch_runs, warmup=1)
    additivity = max(
        max(_additivity(model.explain(rows[i % POOL])) for i in range(args.explain_calls)),
        _additivity(model.explain(batch)),
    )
    lines = [
        f"explain 1 row       median {format_duration(_median(one))}, p90 {format_duration(_p90(one))} over "
        f"{args.explain_calls:,} calls (target <= {format_duration(TARGET_EXPLAIN_ONE_SECONDS)}: "
        f"{verdict(_median(one) <= TARGET_EXPLAIN_ONE_SECONDS)})",
        f"explain {len(batch):,} rows  median {format_duration(_median(many))} of {args.batch_runs} runs, "
        f"one call (target <= {format_duration(TARGET_EXPLAIN_1000_SECONDS)}: "
        f"{verdict(_median(many) <= TARGET_EXPLAIN_1000_SECONDS)})",
        f"additivity          max |base + sum(contributions) - probability| {additivity:.2e} over "
        f"{args.explain_calls:,} single rows and the {len(batch):,}-row batch "
        f"(target <= {TARGET_ADDITIVITY:.0e}: {verdict(additivity <= TARGET_ADDITIVITY)})",
    ]
    return lines, _median(one)


def shap_speed(
    model: LoadedModel, forest: Any, rows: list[Matrix], explain_median: float, calls: int
) -> list[str]:
    """SHAP TreeExplainer on the same forest for one encoded customer, when shap can be imported."""
    try:
        import shap
    except ImportError as exc:
        return [
            f"SHAP                skipped: shap is not importable ({exc}); "
            f"install with .venv/bin/pip install shap=={SHAP_VERSION} for this comparison"
        ]
    encode = model.pipeline.named_steps["encode"]
    started = time.perf_counter()
    explainer = shap.TreeExplainer(forest)
    built = time.perf_counter() - started
    encoded = [encode.transform(rows[i]) for i in range(min(calls + 2, POOL))]
    times = call_times(
        lambda i: explainer.shap_values(encoded[i % len(encoded)], check_additivity=False), calls, warmup=2
    )
    median = _median(times)
    return [
        f"SHAP {shap.__version__:<14} TreeExplainer(forest).shap_values(1 encoded row) median "
        f"{format_duration(median)}, p90 {format_duration(_p90(times))} over {calls} calls "
        f"(explainer built once in {format_duration(built)}); "
        f"{median / explain_median:,.0f}x explain's median",
    ]


def batch_speed(model: LoadedModel, forest: Any, n_jobs: Any, rows: int) -> list[str]:
    """`rows` generated customers in chunks through ONNX, explain and scikit-learn (n_jobs=2)."""
    seconds = {"onnx": 0.0, "explain": 0.0, "sklearn": 0.0}
    worst = {"onnx": 0.0, "explain": 0.0}
    generating = 0.0
    clock = time.perf_counter
    started = clock()
    for matrix in generated_matrices(rows, seed=BATCH_SEED, chunk_size=BATCH_CHUNK):
        generating += clock() - started
        t0 = clock()
        onnx = model.churn_probability(matrix)
        t1 = clock()
        forest.n_jobs = n_jobs
        explained = model.explain(matrix).probabilities
        t2 = clock()
        forest.n_jobs = 2
        expected = _sklearn_probability(model.pipeline, matrix)
        t3 = clock()
        seconds["onnx"] += t1 - t0
        seconds["explain"] += t2 - t1
        seconds["sklearn"] += t3 - t2
        worst["onnx"] = max(worst["onnx"], float(np.max(np.abs(onnx - expected))))
        worst["explain"] = max(worst["explain"], float(np.max(np.abs(explained - expected))))
        started = clock()
    ok = seconds["onnx"] <= TARGET_BATCH_SECONDS * rows / 1_000_000
    return [
        f"batch rows          {rows:,} generated in chunks of {BATCH_CHUNK:,} "
        f"({generating:.1f} s, not counted)",
        f"batch ONNX          {seconds['onnx']:.2f} s ({rows / seconds['onnx']:,.0f} rows/s; ONNX Runtime "
        f"as FastScorer configures it) (target 1M <= {TARGET_BATCH_SECONDS:.0f} s: {verdict(ok)})",
        f"batch explain       {seconds['explain']:.2f} s ({rows / seconds['explain']:,.0f} rows/s; forest "
        f"n_jobs={n_jobs} as loaded) (target 1M <= {TARGET_BATCH_SECONDS:.0f} s: "
        f"{verdict(seconds['explain'] <= TARGET_BATCH_SECONDS * rows / 1_000_000)})",
        f"batch sklearn       {seconds['sklearn']:.2f} s ({rows / seconds['sklearn']:,.0f} rows/s; "
        f"predict_proba, n_jobs=2) = {seconds['sklearn'] / seconds['onnx']:.1f}x ONNX, "
        f"{seconds['sklearn'] / seconds['explain']:.1f}x explain",
        f"batch parity        max |ONNX - sklearn| {worst['onnx']:.2e}, max |explain - sklearn| "
        f"{worst['explain']:.2e} over all {rows:,} rows",
    ]


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures and the command that reproduces them."""
    parser = argparse.ArgumentParser(prog="python -m bench.model_speed", description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument("--calls", type=int, default=5000, help="single-customer ONNX calls (>= 2,000)")
    parser.add_argument("--reference-calls", type=int, default=300, help="scikit-learn single-row calls")
    parser.add_argument("--explain-calls", type=int, default=500, help="single-row explain calls (>= 200)")
    parser.add_argument("--batch-runs", type=int, default=7, help="runs of explain on 1,000 rows (>= 5)")
    parser.add_argument("--shap-calls", type=int, default=30, help="SHAP single-row calls (>= 20)")
    parser.add_argument("--parity-rows", type=int, default=50_000, help="rows compared (>= 30,000)")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if args.parity_rows < POOL:
        parser.error(f"--parity-rows must be at least {POOL}")
    from seeds.generator import generate_chunks

    version = chosen_version(args.model_dir, args.version)
    started = time.perf_counter()
    model = load_model(args.model_dir, version)
    loaded = time.perf_counter() - started
    forest = ForestParts.of(model.pipeline).forest
    n_jobs = forest.n_jobs
    nodes = sum(estimator.tree_.node_count for estimator in forest.estimators_)
    (chunk,) = generate_chunks(args.parity_rows, seed=SEED, chunk_size=args.parity_rows)
    matrix = matrix_of_columns(chunk.columns)
    sample = [tuple(chunk.columns[name][i].item() for name in FEATURE_NAMES) for i in range(POOL)]
    if not np.array_equal(matrix_from_tuples(sample), matrix[:POOL]):
        raise SystemExit("bench.common.matrix_of_columns disagrees with matrix_from_tuples")
    rows = [np.ascontiguousarray(matrix[i : i + 1]) for i in range(POOL)]
    profiles = profile_dicts({name: values[:POOL] for name, values in chunk.columns.items()})

    lines = [
        f"cores               {os.cpu_count()} (shared machine: compare figures within this run)",
        f"model               {version}: {len(forest.estimators_)} trees, {nodes:,} nodes, "
        f"calibration {ForestParts.of(model.pipeline).calibration}, forest n_jobs={n_jobs}; "
        f"loaded in {loaded:.1f} s",
    ]
    lines += single_customer(model, forest, rows, profiles, args)
    parity_lines, _ = parity(model, forest, matrix)
    lines += parity_lines
    explain_lines, explain_one = explain_speed(model, forest, n_jobs, rows, matrix[:1000], args)
    lines += explain_lines
    lines += shap_speed(model, forest, rows, explain_one, args.shap_calls)
    lines += batch_speed(model, forest, n_jobs, args.batch_rows)
    forest.n_jobs = n_jobs
    lines += [
        f"peak RSS            {peak_rss_mb():,.0f} MB (VmHWM of this process, all of the above)",
        f"reproduce with      {reproduce('bench.model_speed', argv if argv is not None else sys.argv[1:])}",
    ]
    for line in lines:
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
