"""The API as an attacker tries it: malformed, huge and deep requests, forged cursors, missing keys, a burst
over the rate limit, and a database that goes away. Prints each answer's HTTP status, code and time.

    RETENTION_TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:3306/test PYTHONPATH=. python -m bench.api_attack

The database-goes-away case serves a MariaDB database (apigate_attack, dropped afterwards) through a TCP
relay this script stops and restarts.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.process import reproduce
from retention.access import Scope
from retention.importing.load import import_csv
from retention.services import api_keys
from tests.support import migrated_engine, scored_database, seed_csv, served_app

RISK = "query Risk($id: ID!) { riskScore(customerId: $id) { score } }"
PAGE = "query Page($after: String) { customers(first: 2, after: $after) { edges { node { id } } } }"
CUSTOMER = '{ customer(id: "CUST0000001") { id name } }'


def _show(label: str, response: httpx.Response, seconds: float) -> None:
    try:
        body = response.json()
        codes = ",".join(sorted({e["extensions"]["code"] for e in body.get("errors", [])})) or "ok"
    except ValueError:
        codes = "(not JSON)"
    print(f"{label:<58} HTTP {response.status_code}  {codes:<28} {seconds * 1000:7.1f} ms")  # noqa: T201


def _send(client: httpx.Client, label: str, **request: object) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.post("/graphql", **request)  # type: ignore[arg-type]
    except httpx.HTTPError as error:  # e.g. the server answered 413 and closed while we still sent
        print(f"{label:<58} {type(error).__name__}: {error}")  # noqa: T201
        return None
    _show(label, response, time.perf_counter() - started)
    return response


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"query": "{ overview { customerCount } }", "pad": "'
    for _ in range(total // 10_000):
        yield b"x" * 10_000
    yield b'"}'


def _server_rss_mb(base: str) -> float:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" in b" ".join(command) and port.encode() in command:
                status = (proc / "status").read_text()
                return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024
        except (OSError, StopIteration):
            continue
    return float("nan")


def memory(base: str, key: str) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        c.post("/graphql", json={"query": CUSTOMER})
        before = _server_rss_mb(base)
        for serial in range(10):
            try:
                c.post(
                    "/graphql",
                    json={"query": f"# {serial}\n" + "{ overview { " + "customerCount " * 75_000 + "} }"},
                )
            except httpx.HTTPError:
                pass  # refused with 413 and closed mid-body
        for serial in range(50):
            c.post(
                "/graphql",
                json={"query": f"# {serial}\n" + "{ overview { " + "customerCount " * 6_700 + "} }"},
            )
        for serial in range(300):
            c.post("/graphql", json={"query": f"# {serial}\n{CUSTOMER}"})
        after = _server_rss_mb(base)
    print(  # noqa: T201
        f"server RSS after 10 distinct 1 MB documents, 50 distinct 95 KB ones and 300 distinct small ones: "
        f"{before:.0f} MB -> {after:.0f} MB"
    )


def malformed(base: str, key: str) -> None:
    raw = {"headers": {"Content-Type": "application/json"}}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        big = json.dumps({"query": "{ overview { customerCount } }", "pad": "x" * 2_000_000}).encode()
        _send(c, "2 MB body with Content-Length", content=big, **raw)
        _send(c, "2 MB chunked body (no length)", content=_chunks(2_000_000), **raw)
        one_mb_doc = "{ overview { " + "customerCount " * 75_000 + "} }"
        _send(c, "1 MB document", json={"query": one_mb_doc})
        doc_95kb = "{ overview { " + "customerCount " * 6_700 + "} }"
        _send(c, "95 KB document (6,700 tokens)", json={"query": doc_95kb})
        for label, body in [("null", b"null"), ("a string", b'"x"'), ("a number", b"42"), ("not JSON", b"{")]:
            _send(c, f"body {label}", content=body, **raw)
        _send(c, "batch of two operations", json=[{"query": CUSTOMER}, {"query": CUSTOMER}])
        _send(c, "body not UTF-8", content=b'{"query": "{ a }", "x": "\xff"}', **raw)
        _send(c, "body nested 50,000 deep", content=b"[" * 50_000 + b"]" * 50_000, **raw)
        deep = "[" * 500 + "]" * 500
        _send(
            c,
            "variables nested 500 deep",
            content=f'{{"query": "{RISK}", "variables": {{"id": {deep}}}}}'.encode(),
            **raw,
        )
        _send(
            c,
            "lone surrogate in a variable",
            content=b'{"query": "%s", "variables": {"id": "\\ud800"}}' % RISK.encode(),
            **raw,
        )
        _send(c, "variable of the wrong type", json={"query": RISK, "variables": {"id": {"a": 1}}})
        _send(c, "missing variable", json={"query": RISK})
        for label, cursor in [
            ("NaN", _cursor('[NaN, "CUST0000001"]')),
            ("lone surrogate", _cursor('[0.5, "\\ud800"]')),
            ("deep JSON", _cursor("[" * 100 + "]" * 100)),
        ]:
            _send(c, f"cursor holding {label}", json={"query": PAGE, "variables": {"after": cursor}})
        _send(
            c,
            "31 aliases",
            json={"query": "{ " + " ".join(f"a{i}: overview {{ customerCount }}" for i in range(31)) + " }"},
        )
        _send(c, "depth 11", json={"query": "{ " + "x { " * 11 + "y" + " }" * 11 + " }"})
        _send(c, "2,001 tokens", json={"query": "{ overview { " + "customerCount " * 2_000 + "} }"})
        fields = (
            "id name email tenureMonths monthlyCharges risk { probability score tier modelVersion scoredAt }"
        )
        cost = (
            "{ "
            + " ".join(f"p{i}: customers(first: 100) {{ edges {{ node {{ {fields} }} }} }}" for i in range(8))
            + " }"
        )
        _send(c, "cost: 8 pages of 100 customers with risk", json={"query": cost})
        _send(c, "page of 1,000", json={"query": "{ customers(first: 1000) { totalCount } }"})
        _send(
            c,
            "several operations, no operationName",
            json={"query": "query A { overview { customerCount } } query B { model { version } }"},
        )
        started = time.perf_counter()
        get = c.get("/graphql", params={"query": "mutation { x }"})
        _show("mutation by GET", get, time.perf_counter() - started)
    with httpx.Client(base_url=base, timeout=60) as anonymous:
        _send(anonymous, "no key", json={"query": CUSTOMER})
        _send(
            anonymous,
            "unknown key",
            json={"query": CUSTOMER},
            headers={"Authorization": "Bearer rtn_" + "x" * 43},
        )
        _send(
            anonymous,
            "header claiming the dashboard",
            json={"query": CUSTOMER},
            headers={"retention.principal": "dashboard"},
        )


UPSERT = (
    "mutation U($c: [CustomerInput!]!) { upsertCustomers(customers: $c) { upserted "
    "errors { index field code } customers { id risk { probability } } } }"
)


def _customers(count: int, **change: object) -> list[dict[str, object]]:
    from tests.factories import customer_inputs

    return customer_inputs(count, seed=3, prefix="ATTACK", **change)


def _payload_problems(response: httpx.Response | None) -> None:
    if response is None or response.status_code != 200:
        return
    payload = (response.json().get("data") or {}).get("upsertCustomers")
    if payload:
        found = sorted({f"{e['field']}:{e['code']}" for e in payload["errors"]})
        print(f"{'':<58} upserted {payload['upserted']}, problems {', '.join(found) or 'none'}")  # noqa: T201


def writes(base: str, read_key: str, write_key: str) -> None:
    """The mutations, with a write key unless said: batches too large or wrong, and scopes."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {write_key}"}, timeout=60) as c:
        huge = json.dumps({"query": UPSERT, "variables": {"c": _customers(2_400)}}).encode()
        _send(
            c,
            f"write key, {len(huge) / 1e6:.1f} MB upsert body",
            content=huge,
            headers={"Content-Type": "application/json"},
        )
        _payload_problems(
            _send(c, "upsert 1,000 customers", json={"query": UPSERT, "variables": {"c": _customers(1000)}})
        )
        _send(c, "upsert 1,001 customers", json={"query": UPSERT, "variables": {"c": _customers(1001)}})
        _send(
            c,
            "upsert, text for a number",
            json={"query": UPSERT, "variables": {"c": _customers(1, monthlyCharges="abc")}},
        )
        _send(c, "upsert, a field missing", json={"query": UPSERT, "variables": {"c": [{"customerId": "X"}]}})
        changes: list[tuple[str, dict[str, object]]] = [
            ("10,000-character name", {"name": "n" * 10_000}),
            ("monthlyCharges 1e308", {"monthlyCharges": 1e308}),
            ("unknown plan", {"subscriptionType": "Gold"}),
            ("id with a quote", {"customerId": "x'; DROP TABLE customers; --"}),
        ]
        for label, change in changes:
            _payload_problems(
                _send(
                    c, f"upsert, {label}", json={"query": UPSERT, "variables": {"c": _customers(1, **change)}}
                )
            )
        _send(
            c,
            "upsert, lone surrogate in a name",
            content=b'{"query": "%s", "variables": {"c": [{"name": "\\ud800"}]}}' % UPSERT.encode(),
            headers={"Content-Type": "application/json"},
        )
        _send(
            c,
            "delete an unknown customer",
            json={"query": 'mutation { deleteCustomer(id: "nobody") { deleted } }'},
        )
        _send(c, "write key trains a model", json={"query": "mutation { trainModel { id } }"})
        _send(c, "write key polls a job", json={"query": 'query { job(id: "1") { state } }'})
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {read_key}"}, timeout=60) as c:
        _send(c, "read key upserts", json={"query": UPSERT, "variables": {"c": _customers(1)}})
        big = json.dumps({"query": UPSERT, "variables": {"c": _customers(300)}}).encode()
        _send(
            c,
            f"read key, {len(big) / 1e3:.0f} KB upsert body",
            content=big,
            headers={"Content-Type": "application/json"},
        )


def admin_calls(base: str, admin_key: str) -> None:
    """The job mutations with bad arguments."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_key}"}, timeout=60) as c:
        _send(
            c,
            "trainModel with 100,000 trees",
            json={"query": "mutation { trainModel(trees: 100000) { id } }"},
        )
        _send(
            c,
            "activate ../../../etc/passwd",
            json={"query": 'mutation { activateModel(version: "../../../etc/passwd") { id } }'},
        )
        _send(c, "job id with SQL", json={"query": 'query { job(id: "1 OR 1=1") { state } }'})
        _send(c, "job id of 40 digits", json={"query": 'query { job(id: "%s") { state } }' % ("9" * 40)})


def burst(base: str, key: str) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        statuses = [c.post("/graphql", json={"query": CUSTOMER}) for _ in range(40)]
        last = statuses[-1]
        extensions = last.json()["errors"][0]["extensions"] if last.status_code == 429 else {}
        answered = sum(r.status_code == 200 for r in statuses)
        refused = sum(r.status_code == 429 for r in statuses)
        print(  # noqa: T201
            f"40 requests at a 30/minute limit: {answered} answered, {refused} refused; last: HTTP "
            f"{last.status_code} Retry-After {last.headers.get('retry-after')} {extensions}"
        )


class Relay:
    """A TCP relay to MariaDB that can be stopped (the database 'goes away') and started again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._links: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        if self._server:
            # shutdown first: close() alone leaves a socket that another thread's accept() keeps listening
            try:
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        for link in self._links:
            try:
                link.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            link.close()
        self._links = []

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass


def database_goes_away(folder: Path) -> None:
    server_url = make_url(os.environ["RETENTION_TEST_MYSQL_URL"])
    admin = create_engine(server_url, poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(
            "CREATE DATABASE apigate_attack CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    relay = Relay((server_url.host or "127.0.0.1", server_url.port or 3306))
    relay.start()
    try:
        direct = server_url.set(database="apigate_attack").render_as_string(hide_password=False)
        via_relay = server_url.set(database="apigate_attack", port=relay.port).render_as_string(
            hide_password=False
        )
        with migrated_engine(direct) as engine:
            import_csv(engine, seed_csv(), progress=False)
            key = api_keys.create_key(engine=engine, name="attack", scope=Scope.READ).secret
        with (
            served_app(via_relay, folder / "models") as base,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c,
        ):
            _send(c, "database up", json={"query": CUSTOMER})
            relay.stop()
            _send(c, "database gone, key still cached", json={"query": CUSTOMER})
            time.sleep(3.5)
            _send(c, "database gone, key must be checked", json={"query": CUSTOMER})
            relay.start()
            time.sleep(0.5)
            _send(c, "database back", json={"query": CUSTOMER})
    finally:
        relay.stop()
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS apigate_attack")
        admin.dispose()


def main(argv: list[str]) -> None:
    if argv == ["--database-only"]:
        with tempfile.TemporaryDirectory() as folder:
            database_goes_away(Path(folder))
        print(reproduce("bench.api_attack", argv))  # noqa: T201
        return
    with tempfile.TemporaryDirectory() as folder, scored_database("sqlite", Path(folder)) as database:
        key = api_keys.create_key(engine=database.engine, name="attack", scope=Scope.READ).secret
        write = api_keys.create_key(engine=database.engine, name="attack-write", scope=Scope.WRITE).secret
        admin = api_keys.create_key(engine=database.engine, name="attack-admin", scope=Scope.ADMIN).secret
        with served_app(database.url, database.model_dir) as base:
            malformed(base, key)
            writes(base, key, write)
            admin_calls(base, admin)
            memory(base, key)
        with served_app(database.url, database.model_dir, rate_limit_per_minute="30") as base:
            burst(base, key)
    if os.environ.get("RETENTION_TEST_MYSQL_URL"):
        with tempfile.TemporaryDirectory() as folder:
            database_goes_away(Path(folder))
    print(reproduce("bench.api_attack", argv))  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
