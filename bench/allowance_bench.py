"""The allowance check in process, for an agent with hourly, daily, monthly and per-run budgets, an owner budget, a
project budget and a client budget (pause stages by criticality on, the burn rate and run-out time computed for
every period), against the raw-events query that answers the same daily question, on the same store.

    .venv/bin/python bench/allowance_bench.py [--events N] [--calls C]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import timedelta

from bigstore import END, agent_name, build, resolve

from ledger import BudgetSpec, Ledger
from ledger.runs import percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    path = build(args.events)
    node = resolve(agent_name(0))
    team = tuple(resolve(agent_name(i)) for i in range(0, 40, 4))  # ten agents, one owner
    now = END - timedelta(minutes=30)
    with Ledger.open(path, clock=lambda: now) as led:
        led.set_resolver(resolve)
        led.set_budgets([
            BudgetSpec("agent", node, hourly_usd=50, daily_usd=500, monthly_usd=10_000, per_run_usd=5),
            BudgetSpec("owner", "teams/platform", monthly_usd=50_000, agents=team,
                       pause=((0.9, "low"), (0.95, "normal"), (1.0, "all"))),
            BudgetSpec("project", "helpdesk", daily_usd=5_000),
            BudgetSpec("client", "acme", monthly_usd=20_000),
        ])
        led.set_agents({node: "low"})
        run_id = led.runs(node, top=1)[0].run_id
        led.allowance(node, run_id=run_id, project="helpdesk", client="acme")  # warm
        times, cpu = [], []
        for _ in range(args.calls):
            t, c = time.perf_counter(), time.thread_time()
            result = led.allowance(node, run_id=run_id, project="helpdesk", client="acme")
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
    assert len(result.checks) == 4 and {p.period for c in result.checks for p in c.periods} == {
        "run", "hour", "day", "month"}
    assert all(p.burn_window for c in result.checks for p in c.periods if p.period in ("day", "month"))
    conn = sqlite3.connect(path)
    day = int(now.replace(hour=0, minute=0).timestamp() * 1e6)
    t = time.perf_counter()
    for _ in range(20):
        conn.execute("SELECT SUM(cost_usd) FROM cost_events WHERE agent_key = ? AND ts >= ?",
                     (agent_name(0), day)).fetchone()
    raw = (time.perf_counter() - t) * 1000 / 20
    conn.close()
    p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
    print(f"store: {args.events:,} events; agent {node}: {result.reason}")
    print(f"allowance (run, hour, day, month + owner month + project day + client month, staged pauses, burn and "
          f"run-out), {args.calls:,} calls: "
          f"wall p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(times):.2f} ms; "
          f"CPU p50 {percentile(cpu, 0.5):.2f} ms, p99 {percentile(cpu, 0.99):.2f} ms")
    print(f"raw-events query for the agent's day spend alone: {raw:.1f} ms; ratio raw / allowance p50: "
          f"{raw / p50:,.0f}x")


if __name__ == "__main__":
    main()
