"""How fast the dashboard is ready: a cold page load in headless chromium until every section has rendered, against
the same /v1 GETs the page makes, fetched one after another by a plain HTTP client (the data alone), in one run.

    .venv/bin/python bench/dashboard_bench.py [--days 60] [--scale 1.0] [--loads 15]
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
# The GETs the page makes on load (agent view, 7 days), in the order it makes them.
CALLS = [("/", {}), ("/static/dashboard.js", {}), ("/static/dashboard.css", {}),
         ("/v1/run-rate", {"window": "7d", "by": "agent", "limit": 100}),
         ("/v1/unattributed", {"window": "7d", "limit": 10}),
         ("/v1/anomalies", {"since": "30d", "state": "open", "limit": 10}),
         ("/v1/budgets", {"limit": 10}), ("/v1/alerts", {"since": "7d", "limit": 8})]


def build(root: Path, days: int, scale: float, now: datetime) -> int:
    """The example company with `days` of demo events and its anomaly scan; returns the number of cost events."""
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns(".orgmap"))
    data = generate(seed=7, days=days, now=now, scale=scale)
    with Service.open(root, clock=lambda: now) as svc:
        accepted = svc.intake.cost(data.cost_events, source="bench").accepted
        svc.intake.changes(data.change_events, source="bench")
        svc.scan_anomalies(timedelta(days=days))
    return accepted


def page_loads(base: str, n: int) -> tuple[list[float], list[float]]:
    """Seconds until the run-rate table has rows, and until every section has rendered, per cold load."""
    from playwright.sync_api import sync_playwright

    table, out = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        for i in range(n + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(base + "/", wait_until="commit")
            page.wait_for_selector("#rank tbody tr", timeout=60_000)
            rows = time.perf_counter() - start
            page.wait_for_selector("html[data-ready='true']", timeout=60_000)
            if i:  # the first load warms the server's caches and the browser
                table.append(rows)
                out.append(time.perf_counter() - start)
            context.close()
        browser.close()
    return table, out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--loads", type=int, default=15)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        events = build(Path(tmp) / "company", args.days, args.scale, now)
        proc, base = serve(Path(tmp) / "company")
        try:
            table, browser = page_loads(base, args.loads)
            data = api_only(base, args.loads)
        finally:
            proc.terminate()
            proc.wait(10)
    assets = sum((STATIC / name).stat().st_size for name in ("index.html", "dashboard.js", "dashboard.css"))
    page_ms, data_ms = statistics.median(browser) * 1000, statistics.median(data) * 1000
    print(f"example company, {args.days} days, {events:,} cost events; {args.loads} cold loads each", file=sys.stderr)
    print(f"page, html+js+css:                    {assets / 1024:.1f} KiB uncompressed")
    print(f"run-rate table shown (median):        {statistics.median(table) * 1000:.0f} ms")
    print(f"dashboard ready in chromium (median): {page_ms:.0f} ms (max {max(browser) * 1000:.0f} ms)")
    print(f"the same {len(CALLS)} GETs in sequence (median):   {data_ms:.0f} ms (max {max(data) * 1000:.0f} ms)")
    print(f"ratio page / data alone:              {page_ms / data_ms:.2f}")


if __name__ == "__main__":
    main()
