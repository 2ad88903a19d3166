"""Ranked run-rate for 1,000 agents over 90 days against a plain GROUP BY over the raw events of the same store.

    .venv/bin/python bench/runrate_bench.py [--events N] [--repeat R] [--db postgresql://.../postgres [--keep-db]]

The store is built once through the ledger's own ingest (cached in bench/.data/, see bigstore.py). With `--db` it is
copied into a database on that PostgreSQL server (`bigstore.on_postgres`: the store's own verified copy, COPY
underneath) and both queries run there; the database is dropped afterwards unless `--keep-db` keeps it for the next
run. On a local server the CPU of the server processes serving the benchmark is read from /proc and printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bigstore import AGENTS, END, build, on_postgres, resolve

from ledger import Ledger, RunRate

WINDOW = timedelta(days=90)
MID_DAY = END - timedelta(hours=9, minutes=30)  # a window ending mid-day: whole weeks and days plus edge hours
# the store's data begins 90 days before END, so a 90-day window ending mid-day starts before it (its first edge
# hours are empty); 89 days ending there have edge hours with data at both ends, 24 in all
RAW = ("SELECT agent_key, SUM(cost_usd), COUNT(*), COUNT(DISTINCT run_id), SUM(input_tokens + output_tokens) "
       "FROM cost_events WHERE ts >= {p} AND ts < {p} GROUP BY agent_key ORDER BY 2 DESC")


class ServerCpu:
    """CPU seconds used so far by the PostgreSQL server processes serving a database, read from /proc: the server
    runs on this machine in the benchmark, and its work is not in this process's CPU time. None when unreadable."""

    def __init__(self, url: str) -> None:
        import psycopg

        with psycopg.connect(url) as conn:
            self.pids = [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float | None:
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / self.tick


def timed(fn: Callable[[], object], repeat: int, server: Callable[[], float | None] | None = None
          ) -> tuple[float, float, float | None, object]:
    """(median wall ms, median CPU ms of this process, mean server CPU ms or None, last result) of `repeat` calls.
    CPU time shows the cost on a shared machine; the server's is read in clock ticks, so only its mean is kept."""
    times, cpu, result = [], [], None
    before = server() if server else None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    after = server() if server else None
    spent = None if before is None or after is None else (after - before) * 1000 / repeat
    return statistics.median(times), statistics.median(cpu), spent, result


def raw_query(location: str) -> Callable[[], list[tuple]]:
    """The plain GROUP BY over the raw events of the 90 days, on the store's own engine."""
    lo, hi = int((END - WINDOW).timestamp() * 1e6), int(END.timestamp() * 1e6)
    if location.startswith("postgresql://"):
        import psycopg

        pg = psycopg.connect(location, autocommit=True)
        return lambda: pg.execute(RAW.format(p="%s"), (lo, hi)).fetchall()
    conn = sqlite3.connect(location)
    return lambda: conn.execute(RAW.format(p="?"), (lo, hi)).fetchall()


def fmt(wall: float, cpu: float, server: float | None) -> str:
    own = f"{wall:,.1f} ms wall, {cpu:,.1f} ms CPU"
    return own if server is None else f"{own} + {server:,.1f} ms server CPU ({cpu + server:,.1f} ms in all)"


def run(location: str, label: str, repeat: int) -> None:
    raw_fn = raw_query(location)
    with Ledger.open(location) as led:
        led.set_resolver(resolve)
        led.run_rate(WINDOW, now=END)  # warm: names resolved once, pages cached, as in a running service
        server = ServerCpu(location) if location.startswith("postgresql://") else None
        med, cpu, srv, rate = timed(lambda: led.run_rate(WINDOW, now=END), repeat, server)
        mid_med, mid_cpu, mid_srv, mid_rate = timed(lambda: led.run_rate(WINDOW, now=MID_DAY), repeat, server)
        in_med, in_cpu, in_srv, _ = timed(lambda: led.run_rate(WINDOW - timedelta(days=1), now=MID_DAY), repeat, server)
    assert isinstance(rate, RunRate) and isinstance(mid_rate, RunRate)
    assert len(rate.rows) == AGENTS, len(rate.rows)
    # the plain query's own server process (the ledger's connections are closed); PostgreSQL may add parallel workers
    # to it, whose CPU this leaves out, so its wall time is the figure to compare there
    raw_med, raw_cpu, raw_srv, raw = timed(raw_fn, 3, ServerCpu(location) if server else None)
    assert isinstance(raw, list)
    top, raw_top = rate.rows[0], raw[0]
    by_agent = {f"agents/{r[0]}": r for r in raw}  # every agent's cost and calls, as the raw events add them up
    assert all(abs(r.cost - by_agent[r.key][1]) <= 1e-9 * by_agent[r.key][1] and r.calls == by_agent[r.key][2]
               for r in rate.rows), "the run-rate differs from the raw events"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(label)
    print(f"ledger run_rate(90 days, by agent), ranked, window ending at midnight: median {fmt(med, cpu, srv)} "
          f"({repeat} runs)")
    print(f"  same, window ending mid-day (weeks, days, edge hours): median {fmt(mid_med, mid_cpu, mid_srv)}")
    print(f"  89 days ending mid-day (24 edge hours, all inside the data): median {fmt(in_med, in_cpu, in_srv)}")
    print(f"plain GROUP BY over raw events: median {fmt(raw_med, raw_cpu, raw_srv)} (3 runs)")
    mine, theirs = cpu + (srv or 0), raw_cpu + (raw_srv or 0)
    print(f"ratio GROUP BY / run_rate: {raw_med / med:,.0f}x wall, {theirs / mine:,.0f}x CPU "
          f"(mid-day: {raw_med / mid_med:,.0f}x wall, {theirs / (mid_cpu + (mid_srv or 0)):,.0f}x CPU)")
    print(f"top agent: {top.key} ${top.cost_per_day:,.2f}/day (GROUP BY agrees: ${raw_top[1] / 90:,.2f}/day; every "
          "agent's cost to 1e-9 and calls exactly)")
    print(f"peak RSS: {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL server to run on (its URL, any database)")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL copy for the next run")
    args = parser.parse_args()
    if args.db:
        with on_postgres(args.db, args.events, keep=args.keep_db) as url:
            run(url, f"store: PostgreSQL, {args.events:,} events, {AGENTS:,} agents, 90 days", args.repeat)
    else:
        path = build(args.events)
        run(str(path), f"store: SQLite, {args.events:,} events, {AGENTS:,} agents, 90 days "
            f"({path.stat().st_size / 1e6:,.0f} MB)", args.repeat)


if __name__ == "__main__":
    main()
