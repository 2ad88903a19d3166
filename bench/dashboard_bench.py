"""How fast the dashboard is: a cold page load in headless chromium until the first view (the range's spend and its
chart), the ranked table and every section, against the same /v1 GETs the page makes, fetched one after another by
a plain HTTP client (the data alone), and against the browser alone (a new context loading one small file from the
same server), in one run; and the live update delay: from posting a cost event to the page showing it without a
reload (the page polls every 5 s, so the delay is at most the poll interval plus one redraw); and the ranked table's
answer (`/v1/run-rate`, each row's open anomaly) right after a live event (this hour: the memoised anomaly scan is
kept) against right after a late one (an hour ago: the scan runs again), in turns.

    .venv/bin/python -m bench.dashboard_bench [--days 60] [--scale 1.0] [--loads 15] [--posts 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from api.dashboard import STATIC
from bench.api_bench import serve
from orgmap.demo.build import EXAMPLE_VAULT
from orgmap.demo.data import generate
from orgmap.service import Service

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The GETs the page makes on load (the overview, by agent, 7 days), in the order it makes them.
CALLS = [("/", {}), ("/static/vendor/uPlot.min.css", {}), ("/static/dashboard.css", {}),
         ("/static/vendor/uPlot.iife.min.js", {}), ("/static/charts.js", {}), ("/static/dashboard.js", {}),
         ("/v1/spend/series", {"window": "7d", "by": "agent", "bucket": "day"}),
         ("/v1/run-rate", {"window": "7d", "by": "agent", "limit": 500}), ("/v1/pauses", {"limit": 500}),
         ("/v1/nodes", {"kind": "team", "limit": 200}),
         *(("/v1/spend/series", {"window": "7d", "by": by, "bucket": "day"}) for by in ("model", "client", "project")),
         ("/v1/anomalies", {"since": "168h", "limit": 200}), ("/v1/changes", {"since": "168h", "limit": 200}),
         ("/v1/budgets", {"limit": 500})]
ASSETS = ("index.html", "dashboard.js", "charts.js", "dashboard.css", "vendor/uPlot.iife.min.js",
          "vendor/uPlot.min.css")
FIRST_VIEW = "html[data-first-view='true']"  # the range's spend and its chart drawn
TABLE = "html[data-table='true']"  # the ranked table and every figure drawn; markers and lists still to come


def build(root: Path, days: int, scale: float, now: datetime) -> int:
    """The example company with `days` of demo events and its anomaly scan; returns the number of cost events."""
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns(".orgmap"))
    data = generate(seed=7, days=days, now=now, scale=scale)
    with Service.open(root, clock=lambda: now) as svc:
        accepted = svc.intake.cost(data.cost_events, source="bench").accepted
        svc.intake.changes(data.change_events, source="bench")
        svc.scan_anomalies(timedelta(days=days))
    return accepted


def page_loads(base: str, n: int, posts: int
               ) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """Seconds until the first view (spend and chart), the ranked table, and every section, per cold load; seconds
    for a new context to load one small file (the browser alone), per load; then, on one open page, seconds from
    posting an event until the page shows the new spend, per post."""
    from playwright.sync_api import expect, sync_playwright

    first, table, out, alone, live = [], [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        for i in range(n + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            context.new_page().goto(base + "/static/favicon.svg", wait_until="load")
            if i:
                alone.append(time.perf_counter() - start)
            context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(base + "/", wait_until="commit")
            page.wait_for_selector(FIRST_VIEW, timeout=60_000)
            shown = time.perf_counter() - start
            page.wait_for_selector(TABLE, timeout=60_000)
            ranked = time.perf_counter() - start
            page.wait_for_selector("html[data-ready='true']", timeout=60_000)
            if i:  # the first load warms the server's caches and the browser
                first.append(shown)
                table.append(ranked)
                out.append(time.perf_counter() - start)
            context.close()
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        page.wait_for_selector("html[data-ready='true']", timeout=60_000)
        for i in range(posts):
            before = page.inner_text("#fig-spend")
            event = {"id": f"bench-live-{i}", "ts": datetime.now(UTC).isoformat(), "agent": "Refund Agent",
                     "cost_usd": 50.0}
            start = time.perf_counter()
            httpx.post(base + "/v1/events/cost", json=event).raise_for_status()
            expect(page.locator("#fig-spend")).not_to_have_text(before, timeout=30_000)
            live.append(time.perf_counter() - start)
            time.sleep(1.3)  # the next post lands at another point of the polling cycle
        browser.close()
    return first, table, out, alone, live


def api_only(base: str, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base) as client:
        for i in range(n + 1):
            start = time.perf_counter()
            for path, params in CALLS:
                client.get(path, params=params).raise_for_status()
            if i:
                out.append(time.perf_counter() - start)
    return out


def after_posts(base: str, n: int) -> tuple[list[float], list[float]]:
    """Seconds of the run-rate's answer right after posting an event of this hour, and right after one of an hour
    before (which the anomaly scan reads, so it is scanned again), `n` of each in turns."""
    live, late = [], []
    params = {"window": "7d", "by": "agent", "limit": 500}
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/v1/run-rate", params=params).raise_for_status()
        for i in range(n):
            for name, ago, out in (("now", timedelta(0), live), ("late", timedelta(hours=1), late)):
                event = {"id": f"bench-{name}-{i}", "ts": (datetime.now(UTC) - ago).isoformat(),
                         "agent": "Refund Agent", "cost_usd": 0.5}
                client.post("/v1/events/cost", json=event).raise_for_status()
                start = time.perf_counter()
                client.get("/v1/run-rate", params=params).raise_for_status()
                out.append(time.perf_counter() - start)
    return live, late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--loads", type=int, default=15)
    parser.add_argument("--posts", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        events = build(Path(tmp) / "company", args.days, args.scale, now)
        proc, base = serve(Path(tmp) / "company")
        try:
            first, table, browser, alone, live = page_loads(base, args.loads, args.posts)
            data = api_only(base, args.loads)
            after_live, after_late = after_posts(base, args.posts)
        finally:
            proc.terminate()
            proc.wait(10)
    assets = sum((STATIC / name).stat().st_size for name in ASSETS)
    page_ms, data_ms = statistics.median(browser) * 1000, statistics.median(data) * 1000
    print(f"example company, {args.days} days, {events:,} cost events; {args.loads} cold loads each", file=sys.stderr)
    print(f"page, html+js+css (uPlot included):   {assets / 1024:.1f} KiB uncompressed")
    print(f"first view: spend and its chart:      {statistics.median(first) * 1000:.0f} ms median "
          f"(max {max(first) * 1000:.0f} ms)")
    print(f"ranked table and every figure:        {statistics.median(table) * 1000:.0f} ms median "
          f"(max {max(table) * 1000:.0f} ms)")
    print(f"dashboard ready in chromium (median): {page_ms:.0f} ms (max {max(browser) * 1000:.0f} ms)")
    print(f"the same {len(CALLS)} GETs in sequence (median):  {data_ms:.0f} ms (max {max(data) * 1000:.0f} ms)")
    print(f"ratio page / data alone:              {page_ms / data_ms:.2f}")
    alone_ms = statistics.median(alone) * 1000
    print(f"browser alone: new context, one file: {alone_ms:.0f} ms median (max {max(alone) * 1000:.0f} ms)")
    print(f"ratio page / browser alone:           {page_ms / alone_ms:.2f}")
    print(f"live update, post to shown ({args.posts} posts): {statistics.median(live) * 1000:.0f} ms median "
          f"(max {max(live) * 1000:.0f} ms; polled every 5 s)")
    live_ms, late_ms = statistics.median(after_live) * 1000, statistics.median(after_late) * 1000
    print(f"run-rate after a live event (median): {live_ms:.0f} ms (max {max(after_live) * 1000:.0f} ms)")
    print(f"run-rate after a late event (median): {late_ms:.0f} ms (max {max(after_late) * 1000:.0f} ms)")
    print(f"ratio live / late:                    {live_ms / late_ms:.3f}")


if __name__ == "__main__":
    main()
