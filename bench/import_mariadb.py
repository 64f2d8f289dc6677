"""Import of a seed-format CSV into MariaDB against plain PyMySQL executemany of the same file.

Run: .venv/bin/python -m bench.import_mariadb [--rows 1000000] [--chunk-size 5000]
     [--server mysql+pymysql://root@127.0.0.1:3306/]
It writes the CSV to a temp file, creates a fresh database, migrates it, then measures
(a) `import_csv` in a child process (wall time of the call, peak RSS of that process) and
(b) csv.reader + `cursor.executemany(INSERT …)` in batches of the same size into the emptied table.
The database and the file are removed afterwards. Target: (a) within 2x of (b), under 500 MB peak.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bench.process import connect, peak_rss_mb, reproduce, verdict
from retention.features import CSV_HEADER
from retention.importing.load import import_csv
from retention.storage import migrate
from retention.storage.engine import make_engine

TARGET_RATIO = 2.0
TARGET_PEAK_MB = 500


def write_rows(path: Path, count: int) -> None:
    """Writes `count` generated rows in the original system's CSV format."""
    # Imported here, not at the top: the spawned import child re-imports this module, and numpy (which
    # the generator loads) would count in its peak memory.
    from seeds.generator import write_csv

    write_csv(path, count, seed=7)


def _import_child(url: str, path: str, chunk_size: int, answer: Any) -> None:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        report = import_csv(engine, Path(path), chunk_size=chunk_size, progress=False)
        answer.send((time.perf_counter() - started, report.rows_written, report.refused, peak_rss_mb()))
    finally:
        engine.dispose()


def run_import(url: str, path: Path, chunk_size: int) -> tuple[float, int, float]:
    """(seconds, rows written, peak RSS in MB) of import_csv, run in a fresh child process."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_import_child, args=(url, str(path), chunk_size, send))
    child.start()
    send.close()  # so that recv() ends with EOFError if the child dies before answering
    try:
        seconds, written, refused, peak_mb = receive.recv()
    except EOFError:
        seconds, written, refused, peak_mb = 0.0, 0, True, 0.0
    child.join()
    if child.exitcode != 0 or refused:
        raise SystemExit(f"the import failed (exit code {child.exitcode}, refused={refused})")
    return seconds, written, peak_mb


def run_reference(url: URL, path: Path, chunk_size: int) -> tuple[float, int]:
    """(seconds, rows) of csv.reader + PyMySQL executemany into the emptied customers table."""
    columns = ", ".join([*CSV_HEADER, "created_at", "updated_at"])
    sql = f"INSERT INTO customers ({columns}) VALUES ({', '.join(['%s'] * (len(CSV_HEADER) + 2))})"
    stamp = datetime.now(UTC).replace(tzinfo=None)
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            # risk_scores (empty) references customers, and InnoDB refuses TRUNCATE of a referenced table.
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            cursor.execute("TRUNCATE TABLE customers")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        count = 0
        started = time.perf_counter()
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
        return time.perf_counter() - started, count
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures and the command that reproduces them."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_mariadb", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/")
    args = parser.parse_args(argv)
    name = f"retention_bench_{uuid.uuid4().hex[:8]}"
    server = make_url(args.server)
    url = server.set(database=name)
    admin = connect(server.set(database=None))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        started = time.perf_counter()
        write_rows(path, args.rows)
        size_mb, took = path.stat().st_size / 1e6, time.perf_counter() - started
        print(f"wrote {args.rows:,} rows ({size_mb:.0f} MB) in {took:.1f} s")  # noqa: T201
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        try:
            engine = make_engine(url.render_as_string(hide_password=False))
            migrate.upgrade(engine)
            engine.dispose()
            seconds, written, peak_mb = run_import(
                url.render_as_string(hide_password=False), path, args.chunk_size
            )
            reference, inserted = run_reference(url, path, args.chunk_size)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.close()
    ratio = seconds / reference
    ratio_verdict = verdict(ratio <= TARGET_RATIO)
    peak_verdict = verdict(peak_mb < TARGET_PEAK_MB)
    command = reproduce("bench.import_mariadb", argv or sys.argv[1:])
    for line in (
        f"rows                {written:,} imported, {inserted:,} inserted by the reference",
        f"import_csv          {seconds:.1f} s  ({written / seconds:,.0f} rows/s)",
        f"reference           {reference:.1f} s  (csv.reader + PyMySQL executemany by {args.chunk_size})",
        f"ratio               {ratio:.2f}x  (target <= {TARGET_RATIO:.0f}x: {ratio_verdict})",
        f"peak RSS of import  {peak_mb:.0f} MB  (target < {TARGET_PEAK_MB} MB: {peak_verdict})",
        f"reproduce with      {command}",
    ):
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
