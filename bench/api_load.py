"""The API under wrk beside its floor: riskScore, scoreProfile, pages and analytics, p50/p99/req/s.

Prepares a database with the CLI (or reuses one), creates a key, starts `retention serve` (uvicorn, one
worker, rate limit on) and the floor (bench/floor_app.py: one row through SQLAlchemy, scored by the same
ONNX graph, no GraphQL), then drives each with wrk (bench/wrk/graphql.lua, which counts a GraphQL error in
an HTTP 200 answer as an error). The page, totalCount and analytics cases run only with --big (a 1M
MariaDB database, e.g. --reuse URL --model-dir DIR --big). The deep page's cursor is found by walking
--deep-pages pages of 100 before timing (untimed; minutes on 1M rows).

    PYTHONPATH=. python -m bench.api_load --law thresholds    # 5,000 customers of a law we did not ship
    PYTHONPATH=. python -m bench.api_load                      # 5,000 bundled customers on SQLite
    PYTHONPATH=. python -m bench.api_load --mysql mysql+pymysql://root@127.0.0.1:3306/apiload
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.api_load_cases import Case, cases
from bench.api_load_prep import LAW_ID_FORMAT, SEED_ID_FORMAT, cli_env, create_key, prepare
from bench.api_load_servers import profile_of, served
from bench.laws import LAWS
from bench.process import BENCH_LOCK, held, reproduce, verdict

LUA = Path(__file__).parent / "wrk" / "graphql.lua"
RATE_LIMIT = 1_000_000  # per minute: 16 connections make ~60,000 a minute; the limit stays on


def wrk(
    url: str,
    body: dict[str, Any],
    auth: str,
    *,
    connections: int,
    seconds: int,
    ids: int,
    id_format: str = SEED_ID_FORMAT,
) -> dict[str, Any]:
    """One wrk run; its RESULT line as numbers, plus the first error seen."""
    env = {
        **os.environ,
        "WRK_BODY": json.dumps(body),
        "WRK_AUTH": auth,
        "WRK_IDS": str(ids),
        "WRK_ID_FORMAT": id_format,
    }
    threads = min(connections, 2)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (.*)$", out, re.M)
    if found is None:
        raise RuntimeError(f"wrk printed no RESULT:\n{out}")
    figures: dict[str, Any] = {k: int(v) for k, v in (p.split("=") for p in found.group(1).split())}
    first = re.search(r"^FIRST_ERROR (.*)$", out, re.M)
    figures["first_error"] = first.group(1) if first else ""
    return figures


def validates(client: httpx.Client, case: Case, first_id: str) -> str | None:
    """None when the case's document runs; else why it is skipped."""
    body = json.loads(json.dumps(case.body()).replace("@ID@", first_id))
    errors = client.post("/graphql", json=body).json().get("errors") or []
    codes = {e.get("extensions", {}).get("code") for e in errors}
    if "GRAPHQL_VALIDATION_FAILED" in codes or "GRAPHQL_PARSE_FAILED" in codes:
        return "skipped: not in schema"
    return f"skipped: {errors[0]['message']}" if errors else None


def deep_cursor(client: httpx.Client, case: Case, pages: int) -> tuple[str | None, int]:
    """The cursor after `pages` pages of the case's order (walked), and how many pages there were."""
    after = None
    for walked in range(pages):
        data = client.post("/graphql", json={**case.body(), "variables": {"after": after}}).json()
        if data.get("errors"):  # the page that fails is the one to time: wrk then counts its errors
            print(f"  page {walked + 1} answered {data['errors'][0]['extensions']['code']}")  # noqa: T201
            return after, walked
        info = data["data"]["customers"]["pageInfo"]
        if not info["hasNextPage"]:
            return after, walked
        after = info["endCursor"]
    return after, pages


def line(name: str, figures: dict[str, Any], case: Case | None) -> str:
    p50, p99 = figures["p50_us"] / 1000, figures["p99_us"] / 1000
    rate = figures["requests"] / (figures["duration_us"] / 1e6)
    text = f"{name:<34} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  {rate:8.0f} req/s  errors {figures['errors']}"
    targets = []
    if case is not None and case.p50_ms is not None:
        targets.append(f"p50 <= {case.p50_ms:g} ms {verdict(p50 <= case.p50_ms)}")
    if case is not None and case.p99_ms is not None:
        targets.append(f"p99 <= {case.p99_ms:g} ms {verdict(p99 <= case.p99_ms)}")
    if figures["errors"] or figures["socket_errors"]:
        targets.append(f"MISSED: errors ({figures['first_error'][:120]})")
    return text + ("  [" + "; ".join(targets) + "]" if targets else "")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mysql", help="prepare a MariaDB database at this URL (dropped and made anew)")
    parser.add_argument("--reuse", help="a prepared database URL (needs --model-dir)")
    parser.add_argument("--model-dir", type=Path, help="the model folder of --reuse")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument(
        "--law", choices=sorted(LAWS), help="customers of this bench/laws.py law instead of our generator's"
    )
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10, help="each 1-connection run")
    parser.add_argument("--big", action="store_true", help="also the pages, totalCount and analytics")
    parser.add_argument("--deep-pages", type=int, default=5000)
    parser.add_argument(
        "--cases", default=None, help="only the cases whose name matches this regular expression"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="api-load-") as folder:
        model_dir = args.model_dir or Path(folder) / "models"
        url = args.reuse or args.mysql or f"sqlite:///{Path(folder) / 'retention.db'}"
        env = cli_env(url, model_dir, rate_limit_per_minute=str(RATE_LIMIT), log_level="WARNING")
        if args.reuse is None:
            if args.mysql:
                from bench.api_load_servers import recreate_mysql

                recreate_mysql(args.mysql)
            args.id_format = prepare(env, args.customers, args.trees, law=args.law)
        else:
            args.id_format = LAW_ID_FORMAT if args.law else SEED_ID_FORMAT
        auth = f"Bearer {create_key(env, f'bench-{os.getpid()}')}"
        where = url.split("@")[-1]
        data = f"the {args.law} law (bench/laws.py)" if args.law else "the bundled generator"
        limit = f"rate limit on at {RATE_LIMIT:,}/min"
        print(f"database {where}, {args.customers:,} customers of {data}, {limit}")  # noqa: T201
        run(args, env, auth, url)
    print(reproduce("bench.api_load", argv))  # noqa: T201


def run(args: argparse.Namespace, env: dict[str, str], auth: str, url: str) -> None:
    """Start both servers, then each case under the bench lock."""
    with (
        served(env) as (api, floor),
        httpx.Client(base_url=api, headers={"Authorization": auth}, timeout=600) as client,
    ):
        first_id = args.id_format % 1
        all_cases = cases(profile_of(url, first_id))
        ids, id_format = args.customers, args.id_format
        with held(BENCH_LOCK):
            floor_figures = wrk(
                f"{floor}/floor",
                all_cases[0].body(),
                "",
                connections=1,
                seconds=args.seconds,
                ids=ids,
                id_format=id_format,
            )
            print(line("floor 1 conn", floor_figures, None))  # noqa: T201
            for case in all_cases:
                if case.big_only and not args.big:
                    continue
                if args.cases and not re.search(args.cases, case.name):
                    continue
                skipped = validates(client, case, first_id)
                if skipped:
                    print(f"{case.name:<34} {skipped}")  # noqa: T201
                    continue
                body = case.body()
                if case.deep_order:
                    cursor, walked = deep_cursor(client, case, args.deep_pages)
                    body["variables"] = {"after": cursor}
                    case_name = f"{case.name} (page {walked + 1})"
                else:
                    case_name = case.name
                seconds = 20 if case.connections > 1 else args.seconds
                figures = wrk(
                    f"{api}/graphql",
                    body,
                    auth,
                    connections=case.connections,
                    seconds=seconds,
                    ids=ids,
                    id_format=id_format,
                )
                print(line(case_name, figures, case))  # noqa: T201
                if case is all_cases[0]:
                    ratio = figures["p50_us"] / floor_figures["p50_us"]
                    print(f"{'riskScore / floor p50':<34} {ratio:.2f}x  [<= 2x {verdict(ratio <= 2)}]")  # noqa: T201
    print("figures on a shared 2-core machine are noisy; re-run on a quiet one")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
