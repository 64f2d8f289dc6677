"""Each dashboard page's first meaningful render and its data callbacks, measured in Debian's Chromium.

    PYTHONPATH=. python -m bench.dashboard_render --reuse URL --model-dir DIR [--runs 5]

Serves the app (one uvicorn worker) over a prepared database, e.g. the 1,000,000 customers that
`bench.score_mariadb --keep` leaves, signs in as a viewer, opens every page --runs times, and prints per
page the median time from navigation start to the page's data drawn (performance.now() when its
selector appears) and the median duration of its `_dash-update-component` requests, for an analyst
coming back (browser cache warm); the first visit with an empty browser cache is printed apart.
Targets (issue 11): first render <= 1.5 s, callbacks <= 300 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path
from typing import Any

import httpx

from bench.process import reproduce, verdict
from tests.browser.conftest import CHROMIUM_ARGS
from tests.support import served_app

TOP = "{ customers(first: 1, orderBy: {field: EXPECTED_LOSS, direction: DESC}) { edges { node { id } } } }"
PAGES = (
    ("overview", "", "#overview-top-risk-table tbody tr"),
    ("customers", "customers", ".ag-row[row-index='0'] a"),
    ("churn drivers", "drivers", "#drivers-segment-chart .main-svg .barlayer .point"),
    ("model", "model", "#model-versions tbody tr"),
    ("what-if", "what-if", "#whatif-waterfall .main-svg .waterfalllayer"),
    ("customer", "customers/{top}", "#customer-waterfall .main-svg .waterfalllayer"),
)
RENDER_TARGET_MS, CALLBACK_TARGET_MS = 1500.0, 300.0


def visit(context: Any, url: str, selector: str) -> tuple[float, list[float]]:
    """(ms from navigation start to `selector` drawn, ms of each callback request) for one visit."""
    page = context.new_page()
    callbacks: list[float] = []

    def finished(request: Any) -> None:
        if "_dash-update-component" in request.url:
            timing = request.timing
            callbacks.append(timing["responseEnd"] - timing["requestStart"])

    page.on("requestfinished", finished)
    page.goto(url, wait_until="commit")
    drawn = page.wait_for_function(
        f"() => document.querySelector({selector!r}) ? performance.now() : null",
        timeout=60_000,
        polling="raf",
    ).json_value()
    page.wait_for_load_state("networkidle")
    page.close()
    return float(drawn), callbacks


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", required=True, help="a prepared database URL")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", default=".", help="a regex: only the pages whose name matches")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with served_app(args.reuse, args.model_dir) as base, sync_playwright() as playwright:
        from retention.access import Role, Scope
        from retention.services import api_keys, users
        from retention.storage.engine import make_engine

        engine = make_engine(args.reuse)
        key = api_keys.create_key(engine=engine, name=f"render-{id(engine)}", scope=Scope.READ).secret
        password = users.reissue_user(engine=engine, username="render-bench", role=Role.VIEWER)
        engine.dispose()
        answer = httpx.post(
            f"{base}/graphql", json={"query": TOP}, headers={"Authorization": f"Bearer {key}"}
        )
        top = answer.json()["data"]["customers"]["edges"][0]["node"]["id"]
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, path, selector in PAGES:
            if not re.search(args.pages, name):
                continue
            url = f"{base}/dashboard/{path.format(top=top)}"
            # A first visit with an empty browser cache, then an analyst coming back (assets cached).
            context = signed_in(browser, base, password)
            cold, cold_callbacks = visit(context, url, selector)
            renders, callbacks = [], []
            for _ in range(args.runs):
                drawn, timed = visit(context, url, selector)
                renders.append(drawn)
                callbacks += timed
            context.close()
            render = statistics.median(renders)
            callback = statistics.median(callbacks) if callbacks else 0.0
            print(  # noqa: T201
                f"{name:<14} first render {render:7.0f} ms median of {args.runs} "
                f"[<= {RENDER_TARGET_MS:g} ms {verdict(render <= RENDER_TARGET_MS)}]; callbacks p50 "
                f"{callback:6.0f} ms over {len(callbacks)} [<= {CALLBACK_TARGET_MS:g} ms "
                f"{verdict(callback <= CALLBACK_TARGET_MS)}]; first visit with an empty cache {cold:.0f} ms, "
                f"its slowest callback {max(cold_callbacks, default=0):.0f} ms"
            )
        if re.search(args.pages, "grid deep"):
            deep_scroll(signed_in(browser, base, password), f"{base}/dashboard/customers", args.runs)
        browser.close()
    print(reproduce("bench.dashboard_render", argv))  # noqa: T201


def signed_in(browser: Any, base: str, password: str) -> Any:
    """A fresh browser context (empty cache) signed in as the bench's viewer through the form."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/signin")
    page.fill("#username", "render-bench")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
    page.close()
    return context


def deep_scroll(context: Any, url: str, runs: int) -> None:
    """The grid dragged to the middle of the listing: time until rows that deep are drawn, and the
    callback that fetched them."""
    page = context.new_page()
    callbacks: list[float] = []
    page.on(
        "requestfinished",
        lambda r: (
            callbacks.append(r.timing["responseEnd"] - r.timing["requestStart"])
            if "_dash-update-component" in r.url
            else None
        ),
    )
    page.goto(url)
    page.wait_for_selector(".ag-row[row-index='0'] a", timeout=60_000)
    callbacks.clear()
    drawn: list[float] = []
    for run in range(runs):
        fraction = 0.3 + 0.1 * run  # a new depth each time: nothing kept from the run before
        deepest = page.evaluate(
            "() => Math.max(0, ...[...document.querySelectorAll('.ag-center-cols-container .ag-row')]"
            ".map(r => +r.getAttribute('row-index')))"
        )
        started = page.evaluate(
            "f => { const v = document.querySelector('.ag-body-viewport'); "
            "v.scrollTop = v.scrollHeight * f; return performance.now(); }",
            fraction,
        )
        # Rows deeper than any drawn before this drag, with their data: each drag goes deeper than the last.
        finished = page.wait_for_function(
            "seen => { const rows = [...document.querySelectorAll('.ag-center-cols-container .ag-row')]; "
            "return rows.some(r => +r.getAttribute('row-index') > seen + 1000 && r.innerText.includes('%')) "
            "? performance.now() : null; }",
            arg=deepest,
            timeout=60_000,
            polling="raf",
        ).json_value()
        drawn.append(float(finished) - float(started))
    page.wait_for_load_state("networkidle")
    deep = statistics.median(drawn)
    p50 = statistics.median(callbacks) if callbacks else 0.0
    print(  # noqa: T201
        f"{'grid deep':<14} rows drawn {deep:7.0f} ms after a scrollbar drag, median of {runs} depths; "
        f"its callbacks p50 {p50:.0f} ms over {len(callbacks)} [<= {CALLBACK_TARGET_MS:g} ms "
        f"{verdict(p50 <= CALLBACK_TARGET_MS)}], slowest {max(callbacks, default=0.0):.0f} ms"
    )
    context.close()


if __name__ == "__main__":
    main(sys.argv[1:])
