"""A month's chargeback report (spend per day and dimension, shared costs allocated through a dependency graph,
rows grouped by project) for 1,000 agents, against a plain GROUP BY over the raw events of the same store.

    .venv/bin/python bench/costs_bench.py [--events N] [--repeat R]

The store is built once through the ledger's own ingest (cached in bench/.data/, see bigstore.py). The graph: each
agent depends on one of 20 shared tools, each tool with a fixed monthly cost and its own dependents' spend to split by.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections import defaultdict
from datetime import timedelta

import networkx as nx
from bigstore import AGENTS, END, agent_name, build, resolve

from ledger import Ledger
from orgmap.allocation import allocate
from orgmap.chargeback import Charge, group_rows, rounded, shares, usage_charges

TOOLS = 20


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median wall ms, median CPU ms, last result) of `repeat` calls."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu), result


def graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for i in range(AGENTS):
        g.add_edge(f"agents/{agent_name(i)}", f"tools/tool-{i % TOOLS:02d}", relation="depends_on")
    return g


def report(led: Ledger, g: nx.MultiDiGraph) -> list[tuple[float, float, float]]:
    """The service's path without the service: lines, fixed costs, allocation, grouping by project, rounding."""
    since, until = END - timedelta(days=30), END
    charges = usage_charges(led.cost_lines(since, until))
    charges += [Charge(since + timedelta(days=d), f"tools/tool-{t:02d}", f"tool-{t}", "", "", "", "", "fixed",
                       300 / 30, 0, 0, 0, "subscription") for t in range(TOOLS) for d in range(30)]
    own: dict[str, float] = defaultdict(float)
    for c in charges:
        if c.node is not None and c.category == "usage":
            own[c.node] += c.cost
    splits = allocate(g, {c.node for c in charges if c.node is not None}, {}, own)
    rows = group_rows(shares(charges, splits), "project", lambda node: [])
    return rounded(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path = build(args.events)
    g = graph()
    with Ledger.open(path) as led:
        led.set_resolver(resolve)
        report(led, g)  # warm: names resolved once
        med, cpu, rows = timed(lambda: report(led, g), args.repeat)
    conn = sqlite3.connect(path)
    lo, hi = int((END - timedelta(days=30)).timestamp() * 1e6), int(END.timestamp() * 1e6)
    sql = ("SELECT ts / 86400000000, agent_key, model, provider, client, project, SUM(cost_usd), COUNT(*), "
           "SUM(input_tokens + output_tokens) FROM cost_events WHERE ts >= ? AND ts < ? "
           "GROUP BY 1, 2, 3, 4, 5, 6")
    raw_med, raw_cpu, raw = timed(lambda: conn.execute(sql, (lo, hi)).fetchall(), 3)
    conn.close()
    total = sum(r[2] for r in rows)  # type: ignore[union-attr]
    raw_total = sum(r[6] for r in raw) + TOOLS * 300  # type: ignore[union-attr]
    assert abs(total - raw_total) < 0.01 * len(rows) + 0.01, (total, raw_total)  # type: ignore[arg-type]
    print(f"store: {args.events:,} events, {AGENTS:,} agents ({path.stat().st_size / 1e6:,.0f} MB); "
          f"{len(raw):,} day x dimension lines in the month")
    print(f"costs report (30 days, {TOOLS} shared tools allocated, by project): median {med:.1f} ms wall, "
          f"{cpu:.1f} ms CPU ({args.repeat} runs); total ${total:,.2f}")
    print(f"plain GROUP BY over raw events (no allocation): median {raw_med:,.0f} ms wall, {raw_cpu:,.0f} ms CPU")
    print(f"ratio GROUP BY / report: {raw_med / med:,.1f}x wall, {raw_cpu / cpu:,.1f}x CPU")


if __name__ == "__main__":
    main()
