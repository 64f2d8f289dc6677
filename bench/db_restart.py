"""MariaDB restarted under a write load: no acknowledged write lost, fast coded failures, recovery time.

    PYTHONPATH=. python -m bench.db_restart [--server mysql+pymysql://root@127.0.0.1:3306/test] [--seconds 30]

Serves the app (`retention serve`, one worker) over a fresh MariaDB database of the 1,000 test customers
with a trained model, runs 4 writers upserting one new customer per request (each customer scored and
stored in one transaction) for --seconds (at most 30), and some seconds in restarts the MariaDB server on
this machine (loopback only): `mysqladmin shutdown`, then `mariadbd` started again. Prints the writes
acknowledged, the rows found afterwards (they must be equal), the requests that failed while the server
was away (their codes and how long the slowest took to fail) and the recovery time: from the server
answering again to the app's next acknowledged write. Targets (issue 12): no acknowledged write lost,
failures fast and coded, recovery within 10 s.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.process import reproduce, verdict
from retention.access import Scope
from retention.services import api_keys
from retention.storage.engine import make_engine
from retention.storage.tables import customers
from tests.factories import customer_inputs
from tests.support import MYSQL_URL_VARIABLE, scored_database, serving

UPSERT = "mutation U($c: [CustomerInput!]!) { upsertCustomers(customers: $c) { upserted } }"
WRITERS = 4
RESTART_AT_SECONDS = 8.0
RECOVERY_TARGET_SECONDS = 10.0
FAIL_FAST_SECONDS = 5.0
PREFIX = "FAULT"


@dataclass
class Tally:
    acknowledged: set[str] = field(default_factory=set)
    failures: list[tuple[float, float, str]] = field(default_factory=list)  # (at, seconds taken, code)
    successes: list[float] = field(default_factory=list)  # when each acknowledged write came back
    lock: threading.Lock = field(default_factory=threading.Lock)


def _profile(customer_id: str, seed: int) -> dict[str, object]:
    (item,) = customer_inputs(1, seed=seed, prefix=PREFIX, customerId=customer_id)
    return item


def _writer(base: str, key: str, number: int, started: float, until: float, tally: Tally) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        n = 0
        while time.monotonic() < until:
            n += 1
            customer_id = f"{PREFIX}-{number}-{n}"
            sent = time.monotonic()
            code = "OK"
            try:
                answer = client.post(
                    "/graphql", json={"query": UPSERT, "variables": {"c": [_profile(customer_id, n)]}}
                )
                body = answer.json()
                if (body.get("data") or {}).get("upsertCustomers", {}).get("upserted") != 1:
                    code = str(
                        (body.get("errors") or [{}])[0].get("extensions", {}).get("code", answer.status_code)
                    )
            except httpx.HTTPError as exc:
                code = type(exc).__name__
            back = time.monotonic()
            with tally.lock:
                if code == "OK":
                    tally.acknowledged.add(customer_id)
                    tally.successes.append(back - started)
                else:
                    tally.failures.append((sent - started, back - sent, code))
            if code != "OK":
                time.sleep(0.1)  # a client backing off a little, as a real one would


def _ping() -> bool:
    return (
        subprocess.run(
            ["mysqladmin", "--host=127.0.0.1", "--user=root", "ping"], capture_output=True, check=False
        ).returncode
        == 0
    )


def _restart(started: float) -> tuple[float, float]:
    """(seconds in when the server went down, seconds in when it answered again)."""
    subprocess.run(
        ["mysqladmin", "--host=127.0.0.1", "--user=root", "shutdown"], check=True, capture_output=True
    )
    down = time.monotonic() - started
    # mysqladmin returns once the server has begun stopping; starting another before it is gone is a no-op.
    deadline = time.monotonic() + 60
    while subprocess.run(["pgrep", "-x", "mariadbd"], capture_output=True, check=False).returncode == 0:
        if time.monotonic() > deadline:
            raise RuntimeError("mariadbd did not stop within 60 s")
        time.sleep(0.05)
    subprocess.run(
        ["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
        check=True,
    )
    while not _ping():
        if time.monotonic() > deadline:
            raise RuntimeError("mariadbd did not answer within 60 s of the restart")
        time.sleep(0.05)
    return down, time.monotonic() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306/test")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if make_url(args.server).host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("this bench restarts the MariaDB server it uses: loopback only")
    seconds = min(args.seconds, 30.0)
    os.environ[MYSQL_URL_VARIABLE] = args.server
    with tempfile.TemporaryDirectory() as scratch, scored_database("mysql", Path(scratch)) as database:
        key = api_keys.create_key(engine=database.engine, name="fault-bench", scope=Scope.WRITE).secret
        log = Path(scratch) / "server.log"
        with serving(database.url, database.model_dir, log=log) as served:
            tally = Tally()
            started = time.monotonic()
            until = started + seconds
            writers = [
                threading.Thread(target=_writer, args=(served.base, key, i, started, until, tally))
                for i in range(WRITERS)
            ]
            for writer in writers:
                writer.start()
            time.sleep(RESTART_AT_SECONDS)
            down, up = _restart(started)
            for writer in writers:
                writer.join()
        engine = make_engine(database.url)
        try:
            with engine.connect() as connection:
                stored = set(
                    connection.execute(
                        select(customers.c.customer_id).where(customers.c.customer_id.like(f"{PREFIX}-%"))
                    ).scalars()
                )
                total = connection.execute(select(func.count()).select_from(customers)).scalar_one()
        finally:
            engine.dispose()
    for line in _report(tally, stored, total, seconds, down, up):
        print(line)  # noqa: T201
    print(reproduce("bench.db_restart", argv))  # noqa: T201


def _report(tally: Tally, stored: set[str], total: int, seconds: float, down: float, up: float) -> list[str]:
    lost = tally.acknowledged - stored
    around = [f for f in tally.failures if f[0] >= down - 1]
    codes = dict(collections.Counter(code for _, _, code in tally.failures))
    taken = [took for _, took, _ in tally.failures]
    slowest = max(taken, default=0.0)
    after = [t for t in tally.successes if t >= up]
    recovery = (min(after) - up) if after else float("inf")
    return [
        f"load           {WRITERS} writers, one new customer a request, {seconds:g} s; "
        f"MariaDB down at {down:.1f} s, answering again at {up:.1f} s",
        f"acknowledged   {len(tally.acknowledged):,} writes; found afterwards "
        f"{len(tally.acknowledged & stored):,} "
        f"of them ({len(stored):,} rows written, {total:,} customers) "
        f"[no acknowledged write lost: {verdict(not lost)}]",
        f"failed         {len(tally.failures):,} requests ({len(around):,} from the outage on), "
        f"codes {codes}; "
        f"slowest failure {slowest:.2f} s, median {statistics.median(taken) if taken else 0.0:.3f} s "
        f"[fail fast <= {FAIL_FAST_SECONDS:g} s: {verdict(slowest <= FAIL_FAST_SECONDS)}]",
        f"recovery       {recovery:.2f} s from MariaDB answering to the next acknowledged write "
        f"[<= {RECOVERY_TARGET_SECONDS:g} s: {verdict(recovery <= RECOVERY_TARGET_SECONDS)}]",
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
