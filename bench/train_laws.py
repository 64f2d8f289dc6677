"""Training on churn laws the project did not make: held-out AUC and Brier against the best achievable.

Run: .venv/bin/python -m bench.train_laws [--laws interaction,thresholds,noisy,rare] [--rows 5000,100000]
     [--time-rows 70000 --time-law interaction --time-runs 3] [--work bench/out/train_laws] [--no-lock]

For each law (bench/laws.py) and size it writes the law's file, imports it into a fresh SQLite database
with `retention seed --csv FILE --no-score`, and runs `retention train --truth FILE_truth.csv` as a user
does (its wall time includes start-up, loading, search, calibration, baseline, drivers, ONNX export and
scoring every customer after the first activation). It prints the held-out ROC AUC and Brier against the
best achievable (the true probabilities on the same held-out rows), the chosen parameters, the calibration
decision and the forest's size. Where the forest misses a target it fits scikit-learn's
HistGradientBoostingClassifier on the same split, to show whether the gap is the forest's or the search's.
Each law (both sizes) and the timing runs each hold the bench lock once (--no-lock for development runs).
Targets at 100,000 rows: AUC >= 0.985x and Brier <= 1.03x the best; the command under 180 s at 70,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.laws import LAWS, write_law
from bench.process import BENCH_LOCK, RETENTION_CLI, held, reproduce, verdict

AUC_TARGET, BRIER_TARGET, SECONDS_TARGET = 0.985, 1.03, 180.0
TARGET_ROWS = 100_000
# The console script users run, from the interpreter running this bench (PYTHONPATH passes through).
RETENTION = [RETENTION_CLI]


def _environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RETENTION_DATABASE_URL": f"sqlite:///{folder / 'retention.sqlite'}",
        "RETENTION_MODEL_DIR": str(folder / "models"),
    }


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one CLI process to the end; (wall seconds, peak RSS in MB). Exits on failure with its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024


def train_once(law: str, rows: int, work: Path) -> dict[str, Any]:
    """Fresh database, import, timed `retention train --truth`; the manifest plus the CLI's wall time."""
    data = work / f"{law}-{rows}.csv"
    truth = data.with_name(data.stem + "_truth.csv")
    if not (data.exists() and truth.exists()):
        write_law(law, rows, data)
    folder = work / f"{law}-{rows}"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    env = _environment(folder)
    _run([*RETENTION, "seed", "--csv", str(data), "--no-score"], env)
    seconds, peak = _run([*RETENTION, "train", "--truth", str(truth), "--trees", "200"], env)
    (manifest_path,) = (folder / "models").glob("*/manifest.json")
    return {
        "manifest": json.loads(manifest_path.read_text()),
        "seconds": seconds,
        "peak_mb": peak,
        "env": env,
    }


def gradient_boosting(env: dict[str, str], truth_path: Path) -> dict[str, float]:
    """HistGradientBoosting on the very split `retention train` used (same rows, same seed)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    from retention.ml.matrix import CATEGORY_INDEXES
    from retention.ml.pipeline import RANDOM_SEED
    from retention.ml.truth import read_truth
    from retention.services.models import load_training_data
    from retention.storage.engine import make_engine

    engine = make_engine(env["RETENTION_DATABASE_URL"])
    data = load_training_data(engine=engine, truth=read_truth(truth_path))
    engine.dispose()
    assert data.true_probability is not None
    train, test = train_test_split(
        np.arange(len(data.labels)), test_size=0.3, stratify=data.labels, random_state=RANDOM_SEED
    )
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=1000,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=list(CATEGORY_INDEXES),
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=30,
        scoring="loss",
        random_state=RANDOM_SEED,
    ).fit(data.matrix[train], data.labels[train])
    predicted = model.predict_proba(data.matrix[test])[:, 1]
    labels, best = data.labels[test], data.true_probability[test]
    return {
        "auc_ratio": float(roc_auc_score(labels, predicted) / roc_auc_score(labels, best)),
        "brier_ratio": float(brier_score_loss(labels, predicted) / brier_score_loss(labels, best)),
        "iterations": float(model.n_iter_),
    }


def _report(law: str, rows: int, run: dict[str, Any], hgb: dict[str, float] | None) -> list[str]:
    manifest = run["manifest"]
    metrics, best = manifest["metrics"], manifest["metrics"]["best_achievable"]
    params, search = manifest["params"], manifest["search"]
    chosen = next(t for t in search["trials"] if t.get("chosen"))
    graded = rows >= TARGET_ROWS
    auc_ok, brier_ok = best["auc_ratio"] >= AUC_TARGET, best["brier_ratio"] <= BRIER_TARGET
    calibration = search["calibration"]
    lines = [
        f"{law} at {rows:,} rows ({manifest['training_rows']:,} train / {manifest['test_rows']:,} held out, "
        f"{metrics['positive_rate']:.1%} churned)",
        f"  ROC AUC   {metrics['roc_auc']:.4f}  best {best['roc_auc']:.4f}  ratio {best['auc_ratio']:.4f}"
        + (f"  (>= {AUC_TARGET}: {verdict(auc_ok)})" if graded else "  (no target at this size)"),
        f"  Brier     {metrics['brier']:.5f} best {best['brier']:.5f} ratio {best['brier_ratio']:.4f}"
        + (f"  (<= {BRIER_TARGET}: {verdict(brier_ok)})" if graded else "  (no target at this size)"),
        f"  chosen    min_samples_leaf={params['min_samples_leaf']} max_features={params['max_features']} "
        f"trees={params['n_estimators']} from ladder {search['leaf_ladder']}, "
        f"{len(search['trials'])} candidates (chosen's OOB Brier {chosen['oob_brier']:.5f} raw, "
        f"{chosen['oob_brier_sigmoid']:.5f} cross-fitted sigmoid)",
        f"  calibration {params['calibration'] or 'none'}: OOB Brier raw {calibration['oob_brier_raw']:.5f}, "
        f"cross-fitted sigmoid {calibration['oob_brier_sigmoid']:.5f}",
        f"  forest    {search['forest']['nodes']:,} nodes, {search['forest']['leaves']:,} leaves in "
        f"{search['forest']['trees']} trees",
        f"  time      `retention train` process {run['seconds']:.0f} s wall, {run['peak_mb']:.0f} MB peak "
        f"(training itself {manifest['training_seconds']:.0f} s)",
    ]
    if hgb is not None:
        lines.append(
            f"  HistGradientBoosting on the same split: AUC ratio {hgb['auc_ratio']:.4f}, "
            f"Brier ratio {hgb['brier_ratio']:.4f} ({hgb['iterations']:.0f} iterations)"
        )
    return lines


def _needs_boosting(run: dict[str, Any], rows: int, mode: str) -> bool:
    best = run["manifest"]["metrics"]["best_achievable"]
    short = best["auc_ratio"] < AUC_TARGET or best["brier_ratio"] > BRIER_TARGET
    return mode == "always" or (mode == "auto" and rows >= TARGET_ROWS and short)


def _timing(args: argparse.Namespace) -> list[str]:
    """The `retention train` wall time on --time-rows rows, median of --time-runs fresh databases."""
    with held(None if args.no_lock else BENCH_LOCK):
        runs = [train_once(args.time_law, args.time_rows, args.work) for _ in range(args.time_runs)]
    times = [run["seconds"] for run in runs]
    median = statistics.median(times)
    return [
        f"`retention train --truth` on {args.time_rows:,} {args.time_law} rows (fresh SQLite, cores "
        f"{os.cpu_count()}): median {median:.0f} s of {', '.join(f'{t:.0f}' for t in times)} "
        f"(< {SECONDS_TARGET:.0f} s: {verdict(median < SECONDS_TARGET)})"
    ]


def main(argv: list[str] | None = None) -> int:
    """Train on every law and size, print each figure beside its target and the reproducing command."""
    parser = argparse.ArgumentParser(prog="python -m bench.train_laws", description=__doc__.splitlines()[0])
    parser.add_argument("--laws", default=",".join(LAWS))
    parser.add_argument("--rows", default="5000,100000", help="comma-separated sizes ('' for none)")
    parser.add_argument("--time-rows", type=int, default=70_000)
    parser.add_argument("--time-law", default="interaction", choices=sorted(LAWS))
    parser.add_argument("--time-runs", type=int, default=3, help="0 skips the timing runs")
    parser.add_argument("--hgb", choices=["auto", "always", "never"], default="auto")
    parser.add_argument("--work", type=Path, default=Path("bench/out/train_laws"))
    parser.add_argument("--no-lock", action="store_true", help="development runs: do not take the bench lock")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    for law in args.laws.split(","):
        # One hold of the lock per law (both sizes, a few minutes): fewer waits behind other benches.
        with held(None if args.no_lock else BENCH_LOCK):
            reports = []
            for rows in [int(r) for r in args.rows.split(",") if r]:
                run = train_once(law, rows, args.work)
                truth = args.work / f"{law}-{rows}_truth.csv"
                hgb = gradient_boosting(run["env"], truth) if _needs_boosting(run, rows, args.hgb) else None
                reports.extend(_report(law, rows, run, hgb))
        for line in reports:
            print(line, flush=True)  # noqa: T201
    lines = _timing(args) if args.time_runs else []
    for line in [*lines, f"reproduce with {reproduce('bench.train_laws', argv or sys.argv[1:])}"]:
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
