"""The write and query load of 1,000 agents sending 100M cost events a month, derived from the demo company's own
generator and measured on real stores, for docs/scale.md.

    .venv/bin/python bench/scale_sim.py [--events 10000000] [--db postgresql://.../postgres [--keep-db]]

1. The shape of a week: `orgmap.demo.data.generate_scaled` (1,000 agents with office, customer, steady and batch
   rhythms, skewed spend, runs of several calls) at 1/30 of the rate, counted per hour: mean and peak events/s at
   100M a month, events per run, rollup keys per day.
2. The busiest hour at the full rate: its events per second (the peak second) and, written through
   `Ledger.ingest_cost` into a fresh SQLite file (and a fresh PostgreSQL database with `--db`), the ingest CPU per
   event, the rows each table gained and its bytes per row; from these, each store's size after a month.
3. The questions the dashboard, the API and the budget check ask, timed on the benchmark store of `--events` events
   (bigstore.py; on PostgreSQL its copy) and multiplied by how often they are asked at this load.

What is measured and what is assumed is printed beside each figure. The databases made are dropped afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bigstore import END, agent_name, build, database_url, on_postgres, resolve
from runrate_bench import ServerCpu

from ledger import BudgetSpec, Ledger
from orgmap.demo.data import generate_scaled

AGENTS = 1000
MONTH_EVENTS = 100_000_000
MONTH_DAYS = 30
WEEK_END = datetime(2024, 12, 9, tzinfo=UTC)  # a Monday: the sample week runs Monday to Sunday
SAMPLE_RATE = 1 / 30  # the week's sample is 1/30 of the full rate (its shape is the same)
# assumed use (not measured): open dashboard tabs, each polling every 5 s (api/static/dashboard.js LIVE_MS) for its
# chart, the run-rate table and the paused agents; one budget check per run start; API/MCP questions per second
DASHBOARDS = 50
LIVE_S = 5
API_PER_S = 2.0
HTTP_BATCH = 1000
ROLLUPS = ("rollup_hour", "rollup_day", "agent_hour", "agent_day", "agent_week", "runs", "spend_minute")


def week_shape() -> tuple[list[int], float, float, int]:
    """Events per hour of the sample week (168 counts), events per run, rollup keys (agent, model, provider, project,
    kind) per day on average, and in the week (an upper bound for a day at the full rate)."""
    hours: Counter[int] = Counter()
    runs: set[tuple[str, str]] = set()
    day_keys: dict[int, set[tuple]] = {}
    start = (WEEK_END - timedelta(days=7)).timestamp()
    events = 0
    n = round(MONTH_EVENTS * 7 / MONTH_DAYS * SAMPLE_RATE)
    for e in generate_scaled(AGENTS, n, days=7, now=WEEK_END):
        ts = datetime.fromisoformat(e["ts"]).timestamp()
        hour = int((ts - start) // 3600)
        hours[hour] += 1
        events += 1
        if e.get("run_id"):
            runs.add((e["agent"], e["run_id"]))
        day_keys.setdefault(hour // 24, set()).add(
            (e["agent"], e.get("model"), e.get("provider"), e.get("project"), e.get("kind")))
    week = set().union(*day_keys.values())
    return [hours[h] for h in range(168)], events / len(runs), statistics.mean(map(len, day_keys.values())), len(week)


def peak_hour(hour_of_week: int) -> list[dict]:
    """The events of that hour of the week at the full rate (100M a month), from the same generator."""
    end = WEEK_END - timedelta(days=7) + timedelta(hours=hour_of_week + 1)
    per_day = MONTH_EVENTS / MONTH_DAYS
    return list(generate_scaled(AGENTS, round(per_day / 24), days=1 / 24, now=end))  # type: ignore[arg-type]


def per_second_peak(events: list[dict]) -> tuple[int, float]:
    """The busiest second's events and the 99th percentile second's, in an hour of events."""
    seconds = Counter(int(datetime.fromisoformat(e["ts"]).timestamp()) for e in events)
    counts = sorted(seconds.values())
    return counts[-1], counts[int(len(counts) * 0.99)]


def sizes_sqlite(path: str) -> dict[str, tuple[int, int]]:
    """Per table: (rows, bytes of the table and its indexes), from SQLite's dbstat."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        bytes_of = dict(conn.execute(
            "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY 1"))
        return {t: (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0], b) for t, b in bytes_of.items()}


def sizes_postgres(url: str) -> dict[str, tuple[int, int]]:
    """Per table: (rows, bytes of the table, its indexes and TOAST; a partitioned table's partitions summed), after
    VACUUM FULL: rollups and runs are updated in place, and an hour of batches leaves many dead versions of a few
    rows that a month of autovacuum would reuse; compacted, the bytes are the live rows'."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM FULL ANALYZE")
        tables = conn.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN "
            "('r', 'p') AND NOT relispartition AND relname <> 'orgmap_schema'").fetchall()
        out = {}
        for t, kind in tables:
            size = conn.execute("SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(%s)"
                                if kind == "p" else "SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0]
            out[t] = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0], int(size))
        return out


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    import psycopg

    name = f"orgmap_sim_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def write_sample(location: str, events: list[dict], sizes: Callable[[str], dict[str, tuple[int, int]]]
                 ) -> tuple[float, float, dict[str, tuple[int, int]]]:
    """Ingest the hour into an empty store: (wall s, CPU s of this process, per table the rows and bytes it added)."""
    with Ledger.open(location):
        pass
    empty = sizes(location)
    with Ledger.open(location) as led:
        t, c = time.perf_counter(), time.process_time()
        report = led.ingest_cost(events)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    assert report.accepted == len(events), report
    full = sizes(location)
    return wall, cpu, {t: (r - empty.get(t, (0, 0))[0], b - empty.get(t, (0, 0))[1]) for t, (r, b) in full.items()}


def month_bytes(added: dict[str, tuple[int, int]], events_per_run: float, day_keys: int) -> dict[str, float]:
    """Each growing table's bytes after a month, from its bytes per row in the sample hour: raw events per event,
    runs per run, hour rollups as the busiest hour's (an upper bound), day rollups per day's keys (every agent
    active every day)."""
    def per_row(table: str) -> float:
        rows, size = added[table]
        return size / rows if rows else 0.0

    hours = MONTH_DAYS * 24
    return {
        "cost_events": per_row("cost_events") * MONTH_EVENTS,
        "runs": per_row("runs") * MONTH_EVENTS / events_per_run,
        "rollup_hour": added["rollup_hour"][1] * hours,
        "agent_hour": added["agent_hour"][1] * hours,
        "rollup_day": per_row("rollup_day") * day_keys * MONTH_DAYS,
        "agent_day": per_row("agent_day") * AGENTS * MONTH_DAYS,
        "agent_week": per_row("agent_week") * AGENTS * MONTH_DAYS / 7,
    }


def timed(fn: Callable[[], object], repeat: int, server: Callable[[], float | None] | None) -> tuple[float, float]:
    """(median wall ms, mean CPU ms of this process plus the server's when it is read) of `repeat` calls."""
    walls = []
    before, cpu0 = (server() if server else None), time.process_time()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / repeat
    after = server() if server else None
    if before is not None and after is not None:
        cpu += (after - before) * 1000 / repeat
    return statistics.median(walls), cpu


def query_costs(location: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Wall and CPU ms of each question on the benchmark store, asked at 14:30 on its last day."""
    now = END - timedelta(hours=9, minutes=30)
    node = resolve(agent_name(0))
    with Ledger.open(location, clock=lambda: now) as led:
        led.set_resolver(resolve)
        led.set_budgets([BudgetSpec("agent", node, hourly_usd=50, daily_usd=500, monthly_usd=10_000, per_run_usd=5),
                         BudgetSpec("project", "helpdesk", daily_usd=5_000)])
        run_id = led.runs(node, top=1)[0].run_id
        asks: dict[str, Callable[[], object]] = {
            "dashboard chart (7 days by agent, hourly)": lambda: led.grouped_spend(
                now - timedelta(days=7), now, bucket="hour"),
            "dashboard run-rate (7 days by agent)": lambda: led.run_rate(timedelta(days=7), now=now),
            "dashboard paused agents": lambda: led.pauses(now),
            "run-rate (90 days by agent)": lambda: led.run_rate(timedelta(days=90), now=now),
            "budget check (allowance, agent + project)": lambda: led.allowance(node, run_id=run_id,
                                                                               project="helpdesk"),
            "API/MCP: an agent's spend (30 days)": lambda: led.spend_summary([node], timedelta(days=30), now),
        }
        for ask in asks.values():
            ask()  # warm, as in a running service
        server = ServerCpu(location) if location.startswith("postgresql://") else None
        return {name: timed(ask, repeat, server) for name, ask in asks.items()}


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.1f} GB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the store the queries are timed on")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL server to measure on too (its URL, any database)")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL copy of the store")
    args = parser.parse_args()

    t0 = time.perf_counter()
    hours, per_run, day_keys_mean, week_keys = week_shape()
    sample_mean = sum(hours) / len(hours)
    mean_s = MONTH_EVENTS / (MONTH_DAYS * 86400)
    peak_at = max(range(168), key=hours.__getitem__)
    peak_factor = hours[peak_at] / sample_mean
    print(f"load: {AGENTS:,} agents, {MONTH_EVENTS:,} events a month ({MONTH_DAYS} days); shape from a generated "
          f"week of {sum(hours):,} events (1/30 of the rate), {time.perf_counter() - t0:,.0f} s")
    print(f"  events/s: mean {mean_s:,.1f}; busiest hour (day {peak_at // 24 + 1} of the week, {peak_at % 24:02d}:00 "
          f"UTC) {mean_s * peak_factor:,.1f} ({peak_factor:.2f}x the mean); quietest hour "
          f"{mean_s * min(hours) / sample_mean:,.1f}")
    print(f"  events per run {per_run:.2f}: runs/s mean {mean_s / per_run:,.1f}, busiest hour "
          f"{mean_s * peak_factor / per_run:,.1f}; runs a month {MONTH_EVENTS / per_run / 1e6:,.1f}M")
    print(f"  rollup keys (agent, model, provider, project, kind): {day_keys_mean:,.0f} a day in the 1/30 sample, "
          f"{week_keys:,} in its week (taken as a day's at the full rate)")

    hour = peak_hour(peak_at)
    top, p99 = per_second_peak(hour)
    print(f"busiest hour at the full rate: {len(hour):,} events ({len(hour) / 3600:,.1f}/s); busiest second {top} "
          f"events, 99th percentile second {p99}")

    stores: list[tuple[str, str, Callable[[str], dict[str, tuple[int, int]]]]] = []
    with tempfile.TemporaryDirectory() as tmp, contextmanager_or_none(args.db, fresh_database) as pg_url:
        stores.append(("SQLite", str(Path(tmp) / "sample.db"), sizes_sqlite))
        if pg_url:
            stores.append(("PostgreSQL", pg_url, sizes_postgres))
        for label, location, sizes in stores:
            wall, cpu, added = write_sample(location, hour, sizes)
            print(f"{label}: the busiest hour through Ledger.ingest_cost: {len(hour) / wall:,.0f} events/s wall, "
                  f"{len(hour) / cpu:,.0f} events/s of CPU ({cpu / len(hour) * 1e6:,.0f} µs CPU an event; at the "
                  f"busiest hour {mean_s * peak_factor * cpu / len(hour):.3f} of a core)")
            for table in ("cost_events", *ROLLUPS):
                rows, size = added.get(table, (0, 0))
                print(f"  {table}: +{rows:,} rows, +{mb(size)}" + (f", {size / rows:,.0f} bytes a row" if rows else ""))
            month = month_bytes(added, per_run, week_keys)
            raw = month["cost_events"]
            rest = sum(v for k, v in month.items() if k != "cost_events")
            print(f"  after a month: raw events {mb(raw)}, runs and rollups {mb(rest)} "
                  f"({', '.join(f'{k} {mb(v)}' for k, v in month.items() if k != 'cost_events')})")

    print(f"questions, timed on the {args.events:,}-event benchmark store ({args.repeat} times each), "
          f"asked at an assumed rate:")
    rates = {
        "dashboard chart (7 days by agent, hourly)": DASHBOARDS / LIVE_S,
        "dashboard run-rate (7 days by agent)": DASHBOARDS / LIVE_S,
        "dashboard paused agents": DASHBOARDS / LIVE_S,
        "run-rate (90 days by agent)": 0.2,
        "budget check (allowance, agent + project)": mean_s * peak_factor / per_run,
        "API/MCP: an agent's spend (30 days)": API_PER_S,
    }
    locations = [("SQLite", str(build(args.events)))]
    with contextmanager_or_none(args.db, lambda s: on_postgres(s, args.events, keep=args.keep_db)) as store_url:
        if store_url:
            locations.append(("PostgreSQL", store_url))
        for label, location in locations:
            costs = query_costs(location, args.repeat)
            total = 0.0
            print(f"  {label}:")
            for name, (wall, cpu) in costs.items():
                share = rates[name] * cpu / 1000
                total += share
                print(f"    {name}: {wall:,.1f} ms wall, {cpu:,.1f} ms CPU; {rates[name]:,.1f}/s -> "
                      f"{share:.3f} of a core")
            print(f"    all questions at the busiest hour: {total:.2f} of a core")
    print(f"assumed: {DASHBOARDS} open dashboards polling every {LIVE_S} s, one budget check per run, "
          f"{API_PER_S:g} API/MCP questions/s, a 90-day run-rate every 5 s; ingest in HTTP batches of {HTTP_BATCH:,} "
          f"({mean_s * peak_factor / HTTP_BATCH:.2f} write transactions/s at the busiest hour)")


@contextmanager
def contextmanager_or_none(server: str | None, make: Callable[[str], object]) -> Iterator[str | None]:
    """`make(server)` entered when a server is named, else None."""
    if server is None:
        yield None
        return
    with make(server) as value:  # type: ignore[attr-defined]
        yield value


if __name__ == "__main__":
    main()
