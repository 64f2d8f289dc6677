"""`retention seed --csv` of a 1,000,000-row file into MariaDB, as a user runs it, against a plain floor.

Run: .venv/bin/python -m bench.import_mariadb [--rows 1000000] [--law thresholds] [--rounds 3]
     [--chunk-size 5000] [--server mysql+pymysql://root@127.0.0.1:3306/]
It writes a file of one of bench.laws' churn laws (data our generator did not make), then runs rounds of
(a) the `retention seed --csv FILE --no-score` process: wall time from spawn to exit (start-up included),
    RETENTION_DATABASE_URL on a fresh, migrated database; peak RSS is the child's VmHWM, polled
    (ru_maxrss of a child would count the pages of the process it was forked from);
(b) the floor: csv.reader + PyMySQL executemany of the same rows, in batches of --chunk-size, into the
    customers table of another fresh, migrated database (same columns, keys and checks);
alternating which goes first. Before each, MariaDB's dirty pages are flushed: innodb_max_dirty_pages_pct
is set to 0 until Innodb_buffer_pool_pages_dirty falls to ~0, then restored (FLUSH TABLES does not write
InnoDB's dirty pages). The databases and the file are removed afterwards.
Targets: median (a) <= 1.5x median (b); peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bench.process import RETENTION_CLI, connect, create_database, reproduce, verdict
from retention.features import CSV_HEADER
from retention.storage import migrate
from retention.storage.engine import make_engine

TARGET_RATIO = 1.5
TARGET_PEAK_MB = 300
REPO = Path(__file__).resolve().parents[1]
RETENTION = RETENTION_CLI
DIRTY_ENOUGH = 50  # pages; the server's own background writes keep a few dirty


def write_file(path: Path, rows: int, law: str) -> None:
    """`rows` customers of `law` in the import format (numpy is loaded here, in the parent only)."""
    from bench.laws import write_law

    write_law(law, rows, path)


@contextmanager
def fresh_database(server: URL, name: str) -> Iterator[URL]:
    """A new, migrated database on the server, dropped afterwards."""
    admin = connect(server.set(database=None))
    try:
        create_database(admin, name)
        url = server.set(database=name)
        engine = make_engine(url.render_as_string(hide_password=False))
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def flush_dirty_pages(server: URL, timeout: float = 90.0) -> tuple[float, int]:
    """Makes InnoDB write its dirty pages; (seconds it took, pages left dirty)."""
    admin = connect(server.set(database=None))
    started = time.perf_counter()
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
            (before,) = cursor.fetchone() or (90.0,)
            cursor.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0")
            try:
                dirty = _dirty_pages(cursor)
                while dirty > DIRTY_ENOUGH and time.perf_counter() - started < timeout:
                    time.sleep(0.5)
                    dirty = _dirty_pages(cursor)
            finally:
                cursor.execute(f"SET GLOBAL innodb_max_dirty_pages_pct = {float(before)}")
    finally:
        admin.close()
    return time.perf_counter() - started, dirty


def _dirty_pages(cursor: Any) -> int:
    cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
    row = cursor.fetchone()
    return int(row[1]) if row else 0


def _hwm_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(found[0]) / 1024 if found else None


def run_cli(url: URL, path: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, last output line) of `retention seed --csv path --no-score`."""
    env = {
        **os.environ,
        "RETENTION_DATABASE_URL": url.render_as_string(hide_password=False),
        "PYTHONPATH": str(REPO),
    }
    command = [RETENTION, "seed", "--csv", str(path), "--no-score"]
    peak = 0.0
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    while child.poll() is None:
        peak = max(peak, _hwm_mb(child.pid) or 0.0)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    output = (child.stdout.read() if child.stdout else b"").decode(errors="replace").strip()
    if child.returncode != 0 or not output.startswith("Imported"):
        raise SystemExit(f"`{' '.join(command)}` failed (exit {child.returncode}):\n{output}")
    return seconds, peak, output.splitlines()[-1]


def run_floor(url: URL, path: Path, chunk_size: int) -> tuple[float, int]:
    """(seconds, rows) of csv.reader + PyMySQL executemany into the empty customers table."""
    columns = ", ".join([*CSV_HEADER, "created_at", "updated_at"])
    sql = f"INSERT INTO customers ({columns}) VALUES ({', '.join(['%s'] * (len(CSV_HEADER) + 2))})"
    stamp = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    connection = connect(url)
    count = 0
    try:
        with path.open(encoding="utf-8", newline="") as file, connection.cursor() as cursor:
            reader = csv.reader(file)
            next(reader)
            batch: list[tuple[Any, ...]] = []
            for fields in reader:
                batch.append((*fields, stamp, stamp))
                if len(batch) == chunk_size:
                    count += cursor.executemany(sql, batch) or 0
                    batch = []
            if batch:
                count += cursor.executemany(sql, batch) or 0
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started, count


def print_phases(server: URL, path: Path, name: str) -> None:
    """Where an import's time goes, in this process: csv split, parse + checks, staging, server; then the
    same file again, where every row is an (unchanged) upsert through the staging table."""
    import logging

    from retention.importing.load import decoded_lines, import_csv
    from retention.importing.parse import read_rows

    def timed(label: str, work: Iterator[object]) -> None:
        started = time.perf_counter()
        for _ in work:
            pass
        print(f"phase {label:<38} {time.perf_counter() - started:6.1f} s")  # noqa: T201

    with path.open("rb") as file:
        timed("csv.reader split (UTF-8 decoded)", csv.reader(decoded_lines(file)))
    with path.open("rb") as file:
        timed("split + parse + every check (read_rows)", read_rows(decoded_lines(file)))
    messages: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    for logger_name in ("retention.importing.load", "retention.storage.staged"):
        logging.getLogger(logger_name).addHandler(handler)
        logging.getLogger(logger_name).setLevel(logging.INFO)
    with fresh_database(server, name) as url:
        flush_dirty_pages(server)
        engine = make_engine(url.render_as_string(hide_password=False))
        # First into the empty table, then the same file again: every row an unchanged upsert.
        for label in ("import_csv in process (no start-up)", "same file again: upsert, all unchanged"):
            messages.clear()
            started = time.perf_counter()
            import_csv(engine, path, progress=False)
            print(f"phase {label:<38} {time.perf_counter() - started:6.1f} s")  # noqa: T201
            for message in messages:
                print(f"      {message}")  # noqa: T201
            flush_dirty_pages(server)
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Runs the rounds and prints medians, the ratio, peak memory and the command that reproduces them."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_mariadb", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--law", default="thresholds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--phases", action="store_true", help="then time the import's phases in process")
    args = parser.parse_args(argv)
    server = make_url(args.server)
    tag = f"import_bench_{uuid.uuid4().hex[:6]}"
    cli_times: list[float] = []
    floor_times: list[float] = []
    peaks: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        started = time.perf_counter()
        write_file(path, args.rows, args.law)
        took = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(f"wrote {args.rows:,} rows of the {args.law} law ({size:.0f} MB) in {took:.0f} s")  # noqa: T201
        for round_number in range(args.rounds):
            order = ("cli", "floor") if round_number % 2 == 0 else ("floor", "cli")
            for which in order:
                with fresh_database(server, f"{tag}_{which}{round_number}") as url:
                    flushed, dirty = flush_dirty_pages(server)
                    if which == "cli":
                        seconds, peak, said = run_cli(url, path)
                        cli_times.append(seconds)
                        peaks.append(peak)
                        detail = f"peak {peak:.0f} MB; {said}"
                    else:
                        seconds, rows = run_floor(url, path, args.chunk_size)
                        floor_times.append(seconds)
                        detail = f"{rows:,} rows"
                print(  # noqa: T201
                    f"round {round_number + 1} {which:<5} {seconds:6.1f} s  ({detail}; "
                    f"flushed in {flushed:.0f} s, {dirty} pages left dirty)"
                )
        if args.phases:
            print_phases(server, path, f"{tag}_phases")
    cli, floor = statistics.median(cli_times), statistics.median(floor_times)
    ratio, peak = cli / floor, max(peaks)
    command = reproduce("bench.import_mariadb", argv if argv is not None else sys.argv[1:])
    runs = len(cli_times)
    for line in (
        f"retention seed      {cli:.1f} s median of {runs}  (process wall time, start-up included)",
        f"floor               {floor:.1f} s median of {runs}  (csv.reader + PyMySQL executemany)",
        f"ratio               {ratio:.2f}x  (target <= {TARGET_RATIO}x: {verdict(ratio <= TARGET_RATIO)})",
        f"peak RSS of seed    {peak:.0f} MB  (max of {runs}; target <= {TARGET_PEAK_MB} MB: "
        f"{verdict(peak <= TARGET_PEAK_MB)})",
        f"reproduce with      flock /tmp/retention-bench.lock {command}",
    ):
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
