"""Batch scoring of every stored customer on MariaDB: `score_all_customers` as `retention score` runs it.

Run: .venv/bin/python -m bench.score_mariadb [--rows 1000000] [--chunk-size 5000]
     [--model-dir bench/out/models] [--version NEWEST] [--server mysql+pymysql://root@127.0.0.1:3306/]
     [--cprofile] [--rescore]
It creates a fresh database, migrates it, inserts the generated customers with `upsert_profiles` (timed
apart, not counted), activates the model version with `record_activation`, then runs
`score_all_customers(chunk_size=…, progress=False)` in a spawned child and reports the call's wall time,
the child's peak RSS (VmHWM) and where the time went, per thread (scoring overlaps a writer thread with
the model): reading chunks, the matrix, the model, the reasons and snapshots, waiting on the writer, and
inside `write_snapshots` the JSON, the INSERT (PyMySQL's statement building apart from the wire and
server), the UPDATE … JOIN and the commits. --cprofile also runs the child under cProfile (slower; it
sees the main thread only; the stats go to bench/out/score_mariadb.prof). Afterwards it checks
that every customer has one snapshot and a latest risk; --rescore then scores everyone a second time
(rows already scored, history already there: the nightly case) and reports that run apart. The database
is dropped at the end.
Targets: 1,000,000 customers in <= 60 s; the child grows by <= 200 MB over the loaded model while scoring.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pymysql
from sqlalchemy import event, func, select
from sqlalchemy.engine import URL, make_url

from bench.common import (
    add_model_arguments,
    chosen_version,
    current_rss_mb,
    peak_rss_mb,
    reproduce,
    verdict,
)
from bench.process import connect
from retention.storage import migrate
from retention.storage.engine import make_engine

TARGET_SECONDS_PER_MILLION = 60.0
TARGET_GROWTH_MB = 200
SEED = 20261130
GENERATE_CHUNK = 50_000
PROFILE_PATH = Path("bench/out/score_mariadb.prof")
READ = "read chunk"
CPU = "cpu:process"  # CPU seconds of the whole child (all threads) during the call


def _statement_kind(sql: Any) -> str:
    text = sql.decode("utf-8", "replace") if isinstance(sql, bytes | bytearray) else str(sql)
    return text.lstrip().split(None, 1)[0].upper() if text.strip() else "?"


class PhaseClock:
    """Seconds and counts per phase, filled by wrappers installed around the scoring run's calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, phase: str, seconds: float) -> None:
        """Adds to `phase` of the calling thread: "main:…" for the main thread, "writer:…" for any other."""
        key = f"{'main' if threading.current_thread() is threading.main_thread() else 'writer'}:{phase}"
        self.seconds[key] += seconds
        self.counts[key] += 1

    def timed(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function`, with every call's duration added to `phase`."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(phase, time.perf_counter() - started)

        return wrapper

    def timed_iterator(
        self, phase: str, function: Callable[..., Iterator[Any]]
    ) -> Callable[..., Iterator[Any]]:
        """A generator function whose every next() is added to `phase` (the caller's own work is not)."""

        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = function(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    self.add(phase, time.perf_counter() - started)
                    return
                self.add(phase, time.perf_counter() - started)
                yield item

        return wrapper


def instrument(engine: Any, clock: PhaseClock) -> None:
    """Wrap, in this process only, the calls score_all_customers makes, to time its phases.

    Whatever of these the scoring code does not use (it changes) is simply not seen.
    """
    import retention.services.scoring as scoring
    import retention.storage.scores as scores
    from retention.ml.registry import LoadedModel
    from retention.storage import customers as customer_store

    def wrap(owner: Any, name: str, phase: str) -> None:
        if hasattr(owner, name):
            setattr(owner, name, clock.timed(phase, getattr(owner, name)))

    name = "iter_model_rows"
    setattr(customer_store, name, clock.timed_iterator(READ, getattr(customer_store, name)))
    wrap(scoring, "matrix_from_tuples", "matrix_from_tuples")
    wrap(LoadedModel, "churn_probability", "model.churn_probability")
    wrap(LoadedModel, "explain", "model.explain")
    wrap(scoring, "snapshots_for", "snapshots_for")
    wrap(scoring, "top_reasons", "top_reasons")
    wrap(scoring, "encode_top_drivers", "encode_top_drivers")
    wrap(getattr(scoring, "_Writer", None), "put", "put")
    wrap(scoring, "write_snapshots", "write_snapshots")
    if hasattr(scores, "json"):
        scores.json = SimpleNamespace(dumps=clock.timed("json.dumps", json.dumps))
    # The driver: time on the wire + server (Connection.query) apart from PyMySQL's statement building.
    connection_class = pymysql.connections.Connection
    query = connection_class.query

    def timed_query(self: Any, sql: Any, unbuffered: bool = False) -> Any:
        started = time.perf_counter()
        try:
            return query(self, sql, unbuffered)
        finally:
            clock.add(f"server {_statement_kind(sql)}", time.perf_counter() - started)

    connection_class.query = timed_query
    wrap(connection_class, "commit", "commit")

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started = conn.info["bench_started"].pop()
        clock.add(f"cursor {_statement_kind(statement)}", time.perf_counter() - started)


def _score_child(
    url: str, model_dir: str, version: str, chunk_size: int, cprofile: bool, answer: Any
) -> None:
    from bench.common import load_model
    from retention.risk import RiskPolicy
    from retention.services.scoring import score_all_customers

    engine = make_engine(url)
    try:
        started = time.perf_counter()
        model = load_model(Path(model_dir), version)
        loaded, loaded_rss = time.perf_counter() - started, current_rss_mb()
        clock = PhaseClock()
        instrument(engine, clock)
        policy = RiskPolicy(high=0.5, medium=0.2)
        profiler = None
        if cprofile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        scored = score_all_customers(
            engine=engine, model=model, policy=policy, chunk_size=chunk_size, progress=False
        )
        seconds = time.perf_counter() - started
        clock.seconds[CPU] = time.process_time() - cpu
        top = ""
        if profiler is not None:
            import pstats

            profiler.disable()
            PROFILE_PATH.parent.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(PROFILE_PATH)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
            top = text.getvalue()
        answer.send(
            (seconds, scored, loaded, loaded_rss, peak_rss_mb(), dict(clock.seconds), dict(clock.counts), top)
        )
    finally:
        engine.dispose()


def run_scoring(url: str, model_dir: Path, version: str, chunk_size: int, cprofile: bool) -> tuple[Any, ...]:
    """The child's answer: (seconds, scored, load s, RSS after load, peak RSS, phase s, counts, profile)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_score_child, args=(url, str(model_dir), version, chunk_size, cprofile, send)
    )
    child.start()
    send.close()  # so that recv() ends with EOFError if the child dies before answering
    try:
        answer: tuple[Any, ...] = receive.recv()
    except EOFError:
        answer = ()
    child.join()
    if child.exitcode != 0 or not answer:
        raise SystemExit(f"scoring failed (exit code {child.exitcode})")
    return answer


def insert_customers(url: str, rows: int, chunk_size: int) -> float:
    """Seconds to upsert `rows` generated customers, `chunk_size` a transaction."""
    from bench.common import profile_dicts
    from retention.storage.customers import upsert_profiles
    from seeds.generator import generate_chunks

    engine = make_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        for chunk in generate_chunks(rows, seed=SEED, chunk_size=GENERATE_CHUNK):
            profiles = profile_dicts(chunk.columns)
            for start in range(0, len(profiles), chunk_size):
                with engine.begin() as connection:
                    upsert_profiles(connection, profiles[start : start + chunk_size], now=now)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def activate(url: str, version: str) -> None:
    """Record the version as the active model, as `retention models activate` does."""
    from retention.storage.models import record_activation

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            record_activation(connection, model_version=version, now=datetime.now(UTC))
    finally:
        engine.dispose()


def check_counts(url: str) -> tuple[int, int, int]:
    """(risk_scores rows, customers with a latest probability, distinct customers in risk_scores)."""
    from retention.storage.tables import customers, risk_scores

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            snapshots = connection.execute(select(func.count()).select_from(risk_scores)).scalar_one()
            latest = connection.execute(
                select(func.count()).select_from(customers).where(customers.c.risk_probability.is_not(None))
            ).scalar_one()
            distinct = connection.execute(
                select(func.count(func.distinct(risk_scores.c.customer_pk)))
            ).scalar_one()
    finally:
        engine.dispose()
    return int(snapshots), int(latest), int(distinct)


def server_settings(url: URL) -> str:
    """The InnoDB settings that bear on a bulk write."""
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT VERSION(), @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit, @@log_bin"
            )
            server, pool, flush, binlog = cursor.fetchone()
    finally:
        connection.close()
    return (
        f"MariaDB {server}, innodb_buffer_pool_size {int(pool) // 2**20} MB, "
        f"innodb_flush_log_at_trx_commit={flush}, log_bin={binlog}"
    )


def phase_lines(seconds: float, phases: dict[str, float], counts: dict[str, int]) -> list[str]:
    """The call's wall time split into phases, per thread: the main thread reads and scores, and a
    writer thread (when scoring has one) stores; the threads overlap, so each adds up to the wall time."""

    def get(role: str, phase: str) -> float:
        return phases.get(f"{role}:{phase}", 0.0)

    def line(label: str, part: float, text: str) -> str:
        return f"{label:<20}{part:7.2f} s {100 * part / seconds:5.1f} %  {text}"

    pad = ""
    read, select = get("main", READ), get("main", "server SELECT")
    model = {k: get("main", f"model.{k}") for k in ("churn_probability", "explain")}
    matrix = get("main", "matrix_from_tuples")
    reasons = get("main", "top_reasons") + get("main", "encode_top_drivers")
    reasons_calls = [
        f"{k} x{counts[f'main:{k}']:,}"
        for k in ("top_reasons", "encode_top_drivers")
        if counts.get(f"main:{k}")
    ]
    scoring = get("main", "snapshots_for") or matrix + sum(model.values())
    models = (
        ", ".join(f"{k} x{counts[f'main:model.{k}']}" for k, v in model.items() if v) or "no model call seen"
    )
    blocked = get("main", "put")
    main_rest = seconds - read - scoring - blocked - get("main", "write_snapshots") - get("main", "commit")
    lines = [
        line(
            "phases, main",
            read,
            f"read chunk: iter_model_rows next() x{counts.get(f'main:{READ}', 0)} "
            f"(SELECT on the wire + server + PyMySQL row parsing {select:.2f} s)",
        ),
        line(pad, scoring, "score the chunk, of which:"),
        line(pad, matrix, "  matrix_from_tuples"),
        line(pad, sum(model.values()), f"  model: {models}"),
        line(pad, reasons, f"  drivers: {', '.join(reasons_calls) or 'no driver call seen'}"),
        line(
            pad,
            scoring - matrix - sum(model.values()) - reasons,
            "  the rest: row tuples, NewSnapshot, risk_score, tier",
        ),
        line(pad, blocked, "waiting to hand a chunk to the writer thread (queue full)"),
        line(pad, main_rest, "rest of main: count(*), waiting for the last write, tqdm"),
    ]
    for role in ("main", "writer"):
        write, commit = get(role, "write_snapshots"), get(role, "commit")
        if not write:
            continue
        insert, insert_server = get(role, "cursor INSERT"), get(role, "server INSERT")
        update, dumps = get(role, "cursor UPDATE"), get(role, "json.dumps")
        lines += [
            line(
                "phases, writer" if role == "writer" else pad,
                write,
                f"write_snapshots ({role} thread), of which:",
            ),
            line(pad, write - insert - update - dumps, "  row dicts, compile, driver_value (Python)"),
            line(
                pad,
                insert,
                f"  INSERT risk_scores executemany: PyMySQL statement building "
                f"{insert - insert_server:.2f} s + wire/server {insert_server:.2f} s",
            ),
            line(pad, update, "  UPDATE customers JOIN risk_scores (wire/server)"),
            line(pad, commit, f"COMMIT x{counts.get(f'{role}:commit', 0)}"),
        ]
        if dumps:
            lines.insert(-4, line(pad, dumps, f"  json.dumps of drivers x{counts[f'{role}:json.dumps']:,}"))
        if role == "writer":
            lines.append(line(pad, seconds - write - commit, "writer idle (waiting for a scored chunk)"))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures and the command that reproduces them."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.score_mariadb", description=__doc__.splitlines()[0]
    )
    add_model_arguments(parser)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--cprofile", action="store_true", help=f"profile the child into {PROFILE_PATH}")
    parser.add_argument(
        "--rescore", action="store_true", help="then score everyone again (the nightly case), reported apart"
    )
    args = parser.parse_args(argv)
    version = chosen_version(args.model_dir, args.version)
    name = f"retention_bench_{uuid.uuid4().hex[:8]}"
    server = make_url(args.server)
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = connect(server.set(database=None))
    settings = server_settings(server.set(database=None))
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        inserting = insert_customers(url, args.rows, args.chunk_size)
        activate(url, version)
        seconds, scored, loaded, loaded_rss, peak_mb, phases, counts, top = run_scoring(
            url, args.model_dir, version, args.chunk_size, args.cprofile
        )
        snapshots, latest, distinct = check_counts(url)
        again: tuple[Any, ...] = ()
        if args.rescore:
            again = run_scoring(url, args.model_dir, version, args.chunk_size, False)
            again = (*again[:5], check_counts(url))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
    target = TARGET_SECONDS_PER_MILLION * args.rows / 1_000_000
    growth = peak_mb - loaded_rss
    lines = [
        f"cores               {os.cpu_count()} (shared machine); {settings}",
        f"model               {version} (activated with record_activation; loaded in the child in "
        f"{loaded:.1f} s, not counted)",
        f"customers           {args.rows:,} inserted with upsert_profiles by {args.chunk_size:,} in "
        f"{inserting:.1f} s (not counted)",
        f"score_all_customers {seconds:.1f} s for {scored:,} customers ({scored / seconds:,.0f} rows/s, "
        f"chunk_size {args.chunk_size:,}{', under cProfile' if args.cprofile else ''}; "
        f"CPU of the child {phases.get(CPU, 0.0):.1f} s, all threads) "
        f"(target <= {target:g} s: {verdict(seconds <= target)})",
        f"peak RSS of scoring {peak_mb:,.0f} MB (VmHWM of the child; {loaded_rss:,.0f} MB after loading the "
        f"model, +{growth:,.0f} MB while scoring) (target growth <= {TARGET_GROWTH_MB} MB: "
        f"{verdict(growth <= TARGET_GROWTH_MB)})",
        f"check risk_scores   {snapshots:,} rows for {distinct:,} customers, expected {args.rows:,}: "
        f"{verdict(snapshots == args.rows == distinct)}",
        f"check customers     {latest:,} with risk_probability not null, expected {args.rows:,}: "
        f"{verdict(latest == args.rows)}",
        *phase_lines(seconds, phases, counts),
    ]
    if again:
        (rescored, redone), (history, _, _) = again[:2], again[5]
        lines.append(
            f"rescore (2nd run)   {rescored:.1f} s for {redone:,} customers already scored "
            f"({redone / rescored:,.0f} rows/s; peak RSS {again[4]:,.0f} MB; risk_scores now {history:,} "
            f"rows, expected {2 * args.rows:,}: {verdict(history == 2 * args.rows)})"
        )
    if args.cprofile:
        lines += [f"cProfile            top 25 by own time (full stats in {PROFILE_PATH}):", top]
    lines.append(
        f"reproduce with      {reproduce('bench.score_mariadb', argv if argv is not None else sys.argv[1:])}"
    )
    for line in lines:
        print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
