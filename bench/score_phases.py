"""`retention score` in this process with timers around its phases; writes them to a JSON file.

Run by bench/score_mariadb.py as `python -m bench.score_phases OUT.json` with the CLI's environment. The
timers wrap whole calls (a few hundred per run), so they cost nothing measurable; the figures the bench
judges come from a plain `retention score` process, this run only says where the time goes.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


class PhaseClock:
    """Seconds and counts per phase and thread ("main:…" or "writer:…")."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, phase: str, seconds: float) -> None:
        """Adds to `phase` of the calling thread."""
        name = threading.current_thread().name
        role = "main" if threading.current_thread() is threading.main_thread() else name.split("_")[0]
        self.seconds[f"{role}:{phase}"] += seconds
        self.counts[f"{role}:{phase}"] += 1

    def timed(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function`, with every call's duration added to `phase`."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(phase, time.perf_counter() - started)

        return wrapper

    def timed_iterator(self, phase: str, function: Callable[..., Iterator[Any]]) -> Callable[..., Any]:
        """A generator function whose every next() is added to `phase`."""

        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = function(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self.add(phase, time.perf_counter() - started)
                yield item

        return wrapper


def _kind(sql: Any) -> str:
    text = sql.decode("utf-8", "replace") if isinstance(sql, bytes | bytearray) else str(sql)
    return text.lstrip().split(None, 1)[0].upper() if text.strip() else "?"


def instrument(clock: PhaseClock) -> None:
    """Wrap the calls `retention score` makes (whatever of them the code no longer has is not seen)."""
    import pymysql

    import retention.ml.explain as explain
    import retention.services.scoring as scoring
    import retention.storage.scores as scores
    from retention.ml.registry import LoadedModel, ModelRegistry

    def wrap(owner: Any, name: str, phase: str) -> None:
        if hasattr(owner, name):
            setattr(owner, name, clock.timed(phase, getattr(owner, name)))

    name = "iter_feature_chunks"
    setattr(scoring, name, clock.timed_iterator("read", getattr(scoring, name)))
    wrap(ModelRegistry, "load", "model load")
    wrap(explain.ForestExplainer, "__init__", "leaf tables (first use)")
    wrap(LoadedModel, "explain", "model.explain")
    wrap(explain.ForestExplainer, "_sum_over", "trees")
    wrap(scoring, "scored_batch", "scored_batch")
    wrap(scoring, "_claim_run", "claim run")
    wrap(scoring, "_close_run", "close run")
    wrap(scoring._Writer, "put", "put")
    wrap(scoring, "insert_snapshots", "insert_snapshots")
    wrap(scoring, "copy_latest", "copy_latest")
    wrap(scores, "_load", "tsv + LOAD DATA")
    wrap(scores, "load_file", "LOAD DATA")
    wrap(scores, "_insert_many", "executemany")
    query = pymysql.connections.Connection.query

    def timed_query(self: Any, sql: Any, unbuffered: bool = False) -> Any:
        started = time.perf_counter()
        try:
            return query(self, sql, unbuffered)
        finally:
            clock.add(f"server {_kind(sql)}", time.perf_counter() - started)

    pymysql.connections.Connection.query = timed_query
    wrap(pymysql.connections.Connection, "commit", "COMMIT")


def phase_lines(answer: dict[str, Any]) -> list[str]:
    """Where the time of the in-process run went, thread by thread (the threads overlap)."""
    wall, s, n = answer["wall"], answer["seconds"], answer["counts"]

    def get(key: str) -> float:
        return float(s.get(key, 0.0))

    def line(label: str, part: float, what: str) -> str:
        return f"{label:<20}{part:7.2f} s {100 * part / wall:5.1f} %  {what}"

    explain, batch = get("main:model.explain"), get("main:scored_batch")
    write, load = get("score-writer:insert_snapshots"), get("score-writer:LOAD DATA")
    tsv = get("score-writer:tsv + LOAD DATA") - load
    update, select = get("score-copier:server UPDATE"), get("score-writer:server SELECT")
    commit = get("score-writer:COMMIT")
    return [
        f"phases (in-process run: {wall:.1f} s wall, {answer['cpu']:.1f} s CPU of the process)",
        line(
            "  main", get("main:model load") + get("main:leaf tables (first use)"), "model load + leaf tables"
        ),
        line(
            "",
            explain,
            f"model.explain x{n.get('main:model.explain', 0)} (trees on threads: "
            f"{get('explain:trees'):.1f} s summed over them)",
        ),
        line("", batch - explain, "scores, tiers, contributions packed"),
        line("", get("main:put"), "waiting for the writer (queue full)"),
        line("", get("main:claim run") + get("main:close run"), "claim and close the run"),
        line(
            "  reader",
            get("score-reader:read"),
            f"read chunks x{n.get('score-reader:read', 0)} "
            f"(SELECT on the wire + server + PyMySQL rows {get('score-reader:server SELECT'):.1f} s)",
        ),
        line("  writer", write, "insert_snapshots, of which:"),
        line("", tsv, "  TSV written (Python)"),
        line("", load, "  LOAD DATA LOCAL INFILE into risk_scores (wire/server)"),
        line("", select, "  SELECT max(id) before and after each chunk"),
        line("", commit, f"COMMIT x{n.get('score-writer:COMMIT', 0)}"),
        line("", wall - write - commit, "writer idle (waiting for a scored chunk)"),
        line(
            "  copier",
            get("score-copier:copy_latest"),
            "copy_latest: UPDATE customers JOIN risk_scores, on its own connection (wire/server)",
        ),
        line("", update, "  of which the UPDATE statement"),
    ]


def main() -> None:
    """Score as the CLI does, timed by phase; the answer goes to the file named by argv[1]."""
    out = Path(sys.argv[1])
    clock = PhaseClock()
    instrument(clock)
    from retention.cli import app

    started = time.perf_counter()
    try:
        app(["score"], standalone_mode=False)
    finally:
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        answer = {
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "seconds": dict(clock.seconds),
            "counts": dict(clock.counts),
        }
        out.write_text(json.dumps(answer))


if __name__ == "__main__":
    main()
