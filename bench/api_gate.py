"""riskScore latency at one connection, alone and beside a client sending large documents.

Starts the whole app under uvicorn on a scored SQLite database (tests' 1,000 customers, small forest),
creates a read key when the API has keys, then times N sequential riskScore requests; then again while
another process posts ~40 KB many-operation documents (distinct each time, so no cache can help), or with
--attack small, a flood of small distinct documents: the share of the machine any flooding client takes.

    PYTHONPATH=. flock /tmp/retention-bench.lock python -m bench.api_gate --requests 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from multiprocessing import Event, Process, Value
from pathlib import Path
from typing import Any

import httpx

from bench.process import reproduce, verdict
from tests.support import scored_database, served_app

# ~40 KB and ~11,000 tokens: under the 100 KB body limit, far over the 2,000-token one.
OPERATIONS = 1000
RISK = "query Risk($id: ID!) { riskScore(customerId: $id) { probability tier } }"


def _key(engine: object) -> dict[str, str]:
    try:
        from retention.services import api_keys
    except ImportError:  # the API before keys existed
        return {}
    created = api_keys.create_key(engine=engine, name="bench-read", scope=api_keys.Scope.READ)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {created.secret}"}


def _attack_document(serial: int, large: bool) -> str:
    if not large:  # the reference: a flood of small valid documents, each distinct
        return f"# {serial}\nquery q1 {{ overview {{ customerCount }} }}"
    operations = " ".join(f"query q{i} {{ overview {{ customerCount }} }}" for i in range(OPERATIONS))
    return f"# {serial}\n{operations}"


def _attacker(base: str, headers: dict[str, str], stop: Any, sent: Any, large: bool) -> None:
    # Its own process, so its work does not share the timing client's interpreter lock.
    with httpx.Client(timeout=60, headers=headers) as client:
        serial = 0
        while not stop.is_set():
            serial += 1
            try:
                client.post(
                    f"{base}/graphql", json={"query": _attack_document(serial, large), "operationName": "q1"}
                )
            except httpx.HTTPError:
                continue
            sent.value += 1


def _time(client: httpx.Client, base: str, count: int) -> list[float]:
    timings = []
    for index in range(count):
        started = time.perf_counter()
        answer = client.post(
            f"{base}/graphql", json={"query": RISK, "variables": {"id": f"CUST{index % 1000 + 1:07d}"}}
        )
        timings.append((time.perf_counter() - started) * 1000)
        body = answer.json()
        assert "errors" not in body, body
    return timings


def _line(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"{label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, {1000 / statistics.fmean(ordered):.0f} req/s"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--attack", choices=["large", "small"], default="large", help="what the other client floods"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, scored_database("sqlite", Path(folder)) as database:
        headers = _key(database.engine)
        with (
            served_app(database.url, database.model_dir) as base,
            httpx.Client(headers=headers, timeout=60) as client,
        ):
            _time(client, base, 200)  # warm up: model, connections, caches
            alone = _time(client, base, args.requests)
            print(_line("riskScore alone", alone))  # noqa: T201
            stop, sent = Event(), Value("i", 0)
            attacker = Process(target=_attacker, args=(base, headers, stop, sent, args.attack == "large"))
            attacker.start()
            time.sleep(0.5)
            beside = _time(client, base, max(200, args.requests // 4))
            stop.set()
            attacker.join()
            print(_line(f"riskScore beside {sent.value} {args.attack} documents", beside))  # noqa: T201
    p99_alone = sorted(alone)[int(len(alone) * 0.99) - 1]
    print(f"p99 alone {p99_alone:.2f} ms, target <= 10 ms: {verdict(p99_alone <= 10)}")  # noqa: T201
    p50_beside = statistics.median(beside)
    met = verdict(p50_beside <= 2 * statistics.median(alone))
    print(f"p50 beside attacker {p50_beside:.2f} ms, target <= 2x alone: {met}")  # noqa: T201
    print(reproduce("bench.api_gate", argv))  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
