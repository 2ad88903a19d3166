"""Ranked run-rate for 1,000 agents over 90 days against a plain GROUP BY over the raw events of the same store.

    .venv/bin/python bench/runrate_bench.py [--events N] [--repeat R]

The store is built once through the ledger's own ingest (cached in bench/.data/, see bigstore.py).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import time
from datetime import timedelta

from bigstore import AGENTS, END, build, resolve

from ledger import Ledger


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median wall ms, median CPU ms, last result) of `repeat` calls; CPU time shows the cost on a shared machine."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    path = build(args.events)
    window = timedelta(days=90)
    with Ledger.open(path) as led:
        led.set_resolver(resolve)
        led.run_rate(window, now=END)  # warm: names resolved once, pages cached, as in a running service
        med, cpu, rate = timed(lambda: led.run_rate(window, now=END), args.repeat)
        mid = END - timedelta(hours=9, minutes=30)  # a window ending mid-day: whole days plus edge hours
        mid_med, mid_cpu, _ = timed(lambda: led.run_rate(window, now=mid), args.repeat)
    assert len(rate.rows) == AGENTS, len(rate.rows)
    conn = sqlite3.connect(path)
    lo, hi = int((END - window).timestamp() * 1e6), int(END.timestamp() * 1e6)
    sql = ("SELECT agent_key, SUM(cost_usd), COUNT(*), COUNT(DISTINCT run_id), SUM(input_tokens + output_tokens) "
           "FROM cost_events WHERE ts >= ? AND ts < ? GROUP BY agent_key ORDER BY 2 DESC")
    raw_med, raw_cpu, raw = timed(lambda: conn.execute(sql, (lo, hi)).fetchall(), 3)
    conn.close()
    top, raw_top = rate.rows[0], raw[0]
    assert abs(top.cost - raw_top[1]) < 1e-6 * raw_top[1], (top, raw_top)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {args.events:,} events, {AGENTS:,} agents, 90 days ({path.stat().st_size / 1e6:,.0f} MB)")
    print(f"ledger run_rate(90 days, by agent), ranked: median {med:.1f} ms wall, {cpu:.1f} ms CPU "
          f"({args.repeat} runs)")
    print(f"  same, window ending mid-day (days + edge hours): median {mid_med:.1f} ms wall, {mid_cpu:.1f} ms CPU")
    print(f"plain GROUP BY over raw events: median {raw_med:,.0f} ms wall, {raw_cpu:,.0f} ms CPU (3 runs)")
    print(f"ratio GROUP BY / run_rate: {raw_med / med:,.0f}x wall, {raw_cpu / cpu:,.0f}x CPU")
    print(f"top agent: {top.key} ${top.cost_per_day:,.2f}/day (GROUP BY agrees: ${raw_top[1] / 90:,.2f}/day)")
    print(f"peak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
