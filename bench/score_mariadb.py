"""`retention score` of 1,000,000 customers on MariaDB, as a user runs it, on data of a law it never saw.

Run: .venv/bin/python -m bench.score_mariadb [--law interaction] [--rows 1000000] [--train-rows 100000]
     [--model-dir DIR --version V | --min-samples-leaf N] [--runs 1] [--kill-check]
     [--server mysql+pymysql://root@127.0.0.1:3306/] [--database EXISTING] [--train-database KEPT]
     [--lock /tmp/retention-bench.lock]
It writes the law's file (bench/laws.py), imports it with `retention seed --csv --no-score` into a fresh
database, trains a model with `retention train --trees 200` on a second database holding the file's
first --train-rows customers (or takes --model-dir; --min-samples-leaf N trains through the service with
that one leaf size instead of the search, to try a forest of small leaves), activates it with
`retention models activate`, then, each time from unscored customers with MariaDB's dirty pages flushed:
- --runs times `retention score` as a process: its wall time, its peak RSS (ru_maxrss from wait4) and
  the server's CPU; then checks one snapshot per customer and every latest risk equal to it;
- once `python -m bench.score_phases`: the same command in-process with timers, for the phase breakdown;
- with --kill-check: `retention score` SIGKILLed once 30 % is stored, then run again: one run, one
  snapshot per customer.
Import, training and resets are not counted; --lock holds the bench lock around the measured part only.
The databases it made are dropped at the end (--database names one already imported, kept).
Targets: <= 45 s and <= 600 MB for 1,000,000 customers (issue 9).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bench.process import RETENTION_CLI, connect, held, reproduce, verdict
from bench.score_phases import phase_lines

TARGET_SECONDS, TARGET_MB = 45.0, 600.0
OUT = Path("bench/out/score_mariadb")
RETENTION = RETENTION_CLI


def _sql(url: URL, statement: str) -> Any:
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            rows = cursor.fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


def _retention(env: dict[str, str], *args: str) -> None:
    subprocess.run([RETENTION, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def prepare_law(law: str, rows: int, train_rows: int) -> tuple[Path, Path]:
    """The law's file of `rows` customers and a file of its first `train_rows`, written once."""
    from bench.laws import write_law

    OUT.mkdir(parents=True, exist_ok=True)
    full, head = OUT / f"{law}_{rows}.csv", OUT / f"{law}_{rows}_first_{train_rows}.csv"
    if not full.exists():
        write_law(law, rows, full)
    if not head.exists():
        with full.open(encoding="utf-8") as source, head.open("w", encoding="utf-8") as out:
            for _, line in zip(range(train_rows + 1), source, strict=False):
                out.write(line)
    return full, head


def train(env: dict[str, str], leaf: int | None) -> None:
    """`retention train --trees 200`, or the same service with one leaf size (the bench's own search)."""
    if leaf is None:
        _retention(env, "train", "--trees", "200")
        return
    code = (
        "from retention.config import Settings; from retention.ml.search import SearchSpace; "
        "from retention.risk import RiskPolicy; from retention.services.models import train_version; "
        "from retention.storage.engine import make_engine; s = Settings(); "
        "train_version(engine=make_engine(s.database_url), model_dir=s.model_dir, "
        f"policy=RiskPolicy.from_settings(s), space=SearchSpace(min_samples_leaf=({leaf},), "
        "max_features=(0.5,)), progress=False)"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def flush_dirty_pages(server: URL) -> None:
    """Write every dirty InnoDB page to disk, so a run starts with a clean buffer pool."""
    (was,) = _sql(server, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")[0]
    _sql(server, "SET GLOBAL innodb_max_dirty_pages_pct = 0")
    try:
        for _ in range(600):
            status = _sql(server, "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
            if int(status[0][1]) == 0:
                return
            time.sleep(0.2)
    finally:
        _sql(server, f"SET GLOBAL innodb_max_dirty_pages_pct = {float(was)}")


@contextlib.contextmanager
def _buffer_pool(server: URL, megabytes: int | None, was: int) -> Iterator[None]:
    """The server's InnoDB buffer pool at `megabytes` while measuring (resized online), then as it was."""
    if megabytes is None:
        yield
        return
    _sql(server, f"SET GLOBAL innodb_buffer_pool_size = {int(megabytes) * 2**20}")
    try:
        yield
    finally:
        _sql(server, f"SET GLOBAL innodb_buffer_pool_size = {was}")


def _database_exists(server: URL, name: str) -> bool:
    return bool(_sql(server, f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{name}'"))


def reset(url: URL, server: URL) -> None:
    """Back to unscored customers and no history, then a clean buffer pool."""
    _sql(url, "TRUNCATE TABLE risk_scores")
    _sql(url, "DELETE FROM score_runs")
    _sql(
        url,
        "UPDATE customers SET risk_probability = NULL, risk_score = NULL, risk_tier = NULL, "
        "risk_model_version = NULL, risk_scored_at = NULL",
    )
    flush_dirty_pages(server)


def _server_cpu() -> float:
    """CPU seconds the MariaDB server process has used (0 when it is not visible from here)."""
    try:
        pid = subprocess.run(["pidof", "mariadbd"], capture_output=True, text=True).stdout.split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (IndexError, OSError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_process(command: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """(wall s, peak RSS MB, process CPU s, server CPU s) of one command run to completion."""
    server, started = _server_cpu(), time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, _server_cpu() - server


def check(url: URL, rows: int) -> str:
    """One run, one snapshot per customer, every latest risk equal to that snapshot."""
    runs = _sql(url, "SELECT id, state FROM score_runs")
    snapshots, distinct = _sql(url, "SELECT COUNT(*), COUNT(DISTINCT customer_pk) FROM risk_scores")[0]
    # Driven by risk_scores in key order, joined on the customers' primary key: two sequential scans.
    (wrong,) = _sql(
        url,
        "SELECT COUNT(*) FROM risk_scores r JOIN customers c ON c.id = r.customer_pk "
        "WHERE NOT (c.risk_probability <=> r.probability)",
    )[0]
    (unscored,) = _sql(url, "SELECT COUNT(*) FROM customers WHERE risk_probability IS NULL")[0]
    ok = len(runs) == 1 and runs[0][1] == "succeeded" and snapshots == distinct == rows
    ok = ok and wrong == unscored == 0
    return (
        f"{len(runs)} run(s) {[r[1] for r in runs]}, {snapshots:,} snapshots for {distinct:,} customers, "
        f"{wrong:,} latest risks not equal to their snapshot, {unscored:,} unscored: {verdict(ok)}"
    )


def kill_and_resume(url: URL, env: dict[str, str], rows: int) -> list[str]:
    """SIGKILL `retention score` once 30 % is stored, run it again, check the outcome."""
    child = subprocess.Popen([RETENTION, "score"], env=env, stdout=subprocess.DEVNULL)
    stored = 0
    while child.poll() is None and stored < 0.3 * rows:
        time.sleep(0.2)
        stored = int(_sql(url, "SELECT COUNT(*) FROM risk_scores")[0][0])
    child.send_signal(signal.SIGKILL)
    child.wait()
    state = _sql(url, "SELECT state FROM score_runs")
    wall, peak, _, _ = timed_process([RETENTION, "score"], env)
    return [
        f"kill check          SIGKILL after {stored:,} snapshots (run left {[s[0] for s in state]}); "
        f"run again: {wall:.1f} s, peak {peak:,.0f} MB",
        f"check after resume  {check(url, rows)}",
    ]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.score_mariadb", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--law", default="interaction")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--model-dir", type=Path, default=None, help="use this model folder, do not train")
    parser.add_argument("--version", default=None, help="with --model-dir: the version (default newest)")
    parser.add_argument("--min-samples-leaf", type=int, default=None, help="train with this leaf size only")
    parser.add_argument("--runs", type=int, default=1, help="plain `retention score` runs (median)")
    parser.add_argument("--kill-check", action="store_true")
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument(
        "--database", default=None, help="an existing database already holding the law's customers (kept)"
    )
    parser.add_argument(
        "--train-database",
        default=None,
        help="keep the training database under this name; reused (with --model-dir) when it exists",
    )
    parser.add_argument(
        "--buffer-pool-mb",
        type=int,
        default=None,
        help="resize MariaDB's InnoDB buffer pool to this for the runs (restored after), e.g. 2048 as "
        "docs/deploy.md advises for 1,000,000 customers",
    )
    parser.add_argument("--lock", type=Path, default=None, help="hold this flock file while measuring only")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the scored database (for bench.api_load --reuse URL --model-dir DIR --big)",
    )
    return parser.parse_args(argv)


def _copy_version_record(source: URL, target: URL, version: str) -> None:
    """The training database's record of `version` (the digests a load trusts) into the scored one.

    The model is trained on a database of its first customers only; the scored database must vouch
    for the same files, as an operator's second database would after copying a version on purpose.
    """
    from retention.storage import migrate
    from retention.storage import models as model_store
    from retention.storage.customers import now_utc
    from retention.storage.engine import make_engine

    source_engine, target_engine = (
        make_engine(source.render_as_string(False)),
        make_engine(target.render_as_string(False)),
    )
    try:
        with source_engine.connect() as connection:
            record = model_store.version_record(connection, version)
        if record is None:
            raise SystemExit(f"the training database has no record of {version}")
        migrate.upgrade(target_engine)
        with target_engine.begin() as connection:
            if model_store.version_record(connection, version) is None:
                model_store.record_version(connection, record, now=now_utc())
    finally:
        source_engine.dispose()
        target_engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures and the command that reproduces them."""
    from retention.ml.artifacts import list_manifests

    args = _arguments(argv)
    server = make_url(args.server).set(database=None)
    tag = uuid.uuid4().hex[:8]
    bench_db, train_db = args.database or f"score_bench_{tag}", args.train_database or f"score_train_{tag}"
    kept_training = args.train_database is not None and _database_exists(server, train_db)
    created = ([] if args.database else [bench_db]) + ([] if kept_training else [train_db])
    dropped = [
        name for name in created if name != args.train_database and not (args.keep and name == bench_db)
    ]
    url, train_url = server.set(database=bench_db), server.set(database=train_db)
    model_dir = args.model_dir or OUT / f"models_{tag}"
    env = {**os.environ, "RETENTION_MODEL_DIR": str(model_dir), "PYTHONPATH": os.getcwd()}
    full, head = prepare_law(args.law, args.rows, args.train_rows)
    lines: list[str] = []
    try:
        for name in created:
            _sql(server, f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        bench_env = {**env, "RETENTION_DATABASE_URL": url.render_as_string(hide_password=False)}
        train_env = {**env, "RETENTION_DATABASE_URL": train_url.render_as_string(hide_password=False)}
        if not kept_training:
            if args.model_dir is not None:
                raise SystemExit("--model-dir needs --train-database naming a kept training database")
            _retention(train_env, "seed", "--csv", str(head), "--no-score")
            train(train_env, args.min_samples_leaf)
        version = args.version or list_manifests(model_dir)[0].version
        manifest = next(m for m in list_manifests(model_dir) if m.version == version)
        if args.database is None:
            _retention(bench_env, "seed", "--csv", str(full), "--no-score")
        _copy_version_record(train_url, url, version)
        _retention(bench_env, "models", "activate", version)
        figures, load = [], os.getloadavg()[0]
        pool_was = int(_sql(server, "SELECT @@innodb_buffer_pool_size")[0][0])
        with held(args.lock), _buffer_pool(server, args.buffer_pool_mb, pool_was):
            pool = int(_sql(server, "SELECT @@innodb_buffer_pool_size")[0][0]) // 2**20
            for _ in range(args.runs):
                reset(url, server)
                figures.append(timed_process([RETENTION, "score"], bench_env))
                lines.append(f"check               {check(url, args.rows)}")
            reset(url, server)
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "phases.json"
                subprocess.run(
                    [sys.executable, "-m", "bench.score_phases", str(out)],
                    env=bench_env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                lines += phase_lines(json.loads(out.read_text()))
            if args.kill_check:
                reset(url, server)
                lines += kill_and_resume(url, bench_env, args.rows)
    finally:
        for name in dropped:
            _sql(server, f"DROP DATABASE IF EXISTS {name}")
    wall = statistics.median(f[0] for f in figures)
    peak = statistics.median(f[1] for f in figures)
    params = ", ".join(f"{k}={v}" for k, v in manifest.params.items())
    header = [
        f"machine             {os.cpu_count()} cores (shared), load average {load:.1f} before the runs; "
        f"MariaDB buffer pool {pool} MB",
        f"data                {args.rows:,} customers of the {args.law} law (bench/laws.py)",
        f"model               {version}: {manifest.training_rows:,} training rows, {params}",
        f"retention score     {wall:.1f} s wall (median of {len(figures)}: "
        f"{', '.join(f'{f[0]:.1f}' for f in figures)}) (target <= {TARGET_SECONDS:g} s: "
        f"{verdict(wall <= TARGET_SECONDS)}); CPU {figures[0][2]:.1f} s process, "
        f"{figures[0][3]:.1f} s server",
        f"peak RSS            {peak:,.0f} MB (ru_maxrss of the process) (target <= {TARGET_MB:g} MB: "
        f"{verdict(peak <= TARGET_MB)})",
    ]
    if args.keep:
        header.append(
            f"kept                {url.render_as_string(hide_password=False)} --model-dir {model_dir}"
        )
    command = reproduce("bench.score_mariadb", argv if argv is not None else sys.argv[1:])
    for line in [*header, *lines, f"reproduce with      {command}"]:
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
