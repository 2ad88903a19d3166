"""HTTP ingest, one replica and two: real `orgmap serve` processes on loopback (one on a SQLite file as the
reference, then one, then two on one PostgreSQL database, each replica with its own copy of the vault) take batches
of cost events by POST /v1/events/cost from concurrent client threads spread over the replicas. Baseline: the same
batches through the service's intake in process, on the same store, in the same run.

Afterwards every event must be stored exactly once: the answers accepted each event once; every tenth batch posted
again, to another replica, is all duplicates; and the store holds as many calls, the same cost and the same run
calls as the in-process run stored (read through the public Ledger API, not the tables, whose layout may change).

    .venv/bin/python bench/http_ingest_bench.py --db postgresql://user:pw@host:port/postgres
        [--events 50000] [--batch 1000] [--clients 4] [--agents 200]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from api_bench import cpu_seconds, serve, write_agents
from ingest_bench import postgres_databases

from orgmap.demo.data import generate_scaled
from orgmap.service import Service

JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Stored:
    """What a store holds after a run: per-call events and their cost (the rollups), and the calls of its runs."""

    calls: int
    cost_usd: float
    run_calls: int


@dataclass(frozen=True)
class Posted:
    """One HTTP run: its wall time, the events each replica accepted, the duplicates it reported and its CPU."""

    seconds: float
    accepted: list[int]
    duplicates: int
    server_cpu: list[float]


def stored(vault: Path, db: str, since: datetime, until: datetime) -> Stored:
    with Service.open(vault, db=db) as svc:
        lines = svc.ledger.cost_lines(since, until, per_call_only=True)
        runs = svc.ledger.runs(since=since - timedelta(days=1))
    return Stored(sum(line.calls for line in lines), round(sum(line.cost for line in lines), 6),
                  sum(run.calls for run in runs))


def same(a: Stored, b: Stored) -> bool:
    """Equal counts, and costs equal to the micro-dollar (concurrent writers add the same costs in another order)."""
    return (a.calls, a.run_calls) == (b.calls, b.run_calls) and abs(a.cost_usd - b.cost_usd) < 1e-6


def in_process(vault: Path, db: str, batches: Sequence[list[dict]]) -> float:
    """The batches through the service's intake, one after another; seconds taken."""
    with Service.open(vault, db=db) as svc:
        start = time.perf_counter()
        accepted = sum(svc.intake.cost(batch, source="api").accepted for batch in batches)
        took = time.perf_counter() - start
    assert accepted == sum(len(b) for b in batches), f"in process: {accepted:,} accepted"
    return took


def post_all(urls: list[str], bodies: Sequence[bytes], clients: int) -> tuple[float, list[int], int]:
    """Post body j to replica j % len(urls) from `clients` threads at once; wall seconds, events each replica
    accepted, and the duplicates reported."""
    local = threading.local()
    opened: list[httpx.Client] = []
    accepted = [0] * len(urls)
    duplicates = 0
    lock = threading.Lock()

    def post(j: int) -> None:
        nonlocal duplicates
        if not hasattr(local, "http"):  # one keep-alive client a thread
            local.http = httpx.Client(timeout=300)
            with lock:
                opened.append(local.http)
        answer = local.http.post(f"{urls[j % len(urls)]}/v1/events/cost", content=bodies[j], headers=JSON)
        answer.raise_for_status()
        report = answer.json()
        with lock:
            accepted[j % len(urls)] += report["accepted"]
            duplicates += report["duplicates"]

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, range(len(bodies))))
    seconds = time.perf_counter() - start
    for http in opened:
        http.close()
    return seconds, accepted, duplicates


def over_http(root: Path, n_agents: int, db: str, replicas: int, bodies: Sequence[bytes], clients: int) -> Posted:
    """`replicas` servers on the store `db`, each on a vault of its own, take every batch; then every tenth batch
    again, at the next replica, must come back all duplicates."""
    servers = [serve(write_agents(root / f"replica-{i}", n_agents), db) for i in range(replicas)]
    try:
        urls = [url for _, url in servers]
        cpu = [cpu_seconds(proc.pid) for proc, _ in servers]
        seconds, accepted, duplicates = post_all(urls, bodies, clients)
        cpu = [cpu_seconds(proc.pid) - before for (proc, _), before in zip(servers, cpu, strict=True)]
        again = [bodies[j] for j in range(0, len(bodies), 10)]
        _, repeated, dup_again = post_all(urls[1:] + urls[:1], again, clients)  # batch j to replica j + 1
        expected = sum(len(json.loads(body)) for body in again)
        assert sum(repeated) == 0 and dup_again == expected, f"posted again: {sum(repeated)} accepted"
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
    return Posted(seconds, accepted, duplicates, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", required=True,
                        help="a PostgreSQL server (its URL, any database): databases are made on it and dropped")
    parser.add_argument("--events", type=int, default=50_000, help="about this many events (default 50,000)")
    parser.add_argument("--batch", type=int, default=1000, help="events a POST (default 1,000)")
    parser.add_argument("--clients", type=int, default=4, help="client threads posting at once (default 4)")
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    load_before = os.getloadavg()
    now = datetime.now(UTC).replace(microsecond=0)
    events = list(generate_scaled(args.agents, args.events, now=now, seed=11, days=3))
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    bodies = [json.dumps(batch).encode() for batch in batches]
    n = len(events)
    since, until = now - timedelta(days=4), now + timedelta(days=1)
    print(f"{n:,} events in {len(batches)} batches of {args.batch:,}; {args.clients} client threads; "
          f"{args.agents} agents; load average {load_before[0]:.1f}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres_databases(args.db, 4) as (pg_base, pg_one, pg_two, _):
        root = Path(tmp)
        sqlite_base, sqlite_one = str(root / "base.db"), str(root / "one.db")
        reference = {}
        for store, db in (("SQLite", sqlite_base), ("PostgreSQL", pg_base)):
            vault = write_agents(root / f"in-process-{store}", args.agents)
            took = in_process(vault, db, batches)
            reference[store] = took, stored(vault, db, since, until)
            assert reference[store][1].calls == n, f"{store} in process holds {reference[store][1].calls:,} calls"
            rows.append((f"{store}, in process (baseline)", f"{n / took:,.0f}", "", "1.00", ""))
        for store, db, replicas in (("SQLite", sqlite_one, 1), ("PostgreSQL", pg_one, 1),
                                    ("PostgreSQL", pg_two, 2)):
            run = over_http(root / f"http-{store}-{replicas}-{db[-6:]}", args.agents, db, replicas, bodies,
                            args.clients)
            assert sum(run.accepted) == n and run.duplicates == 0, (run.accepted, run.duplicates)
            held = stored(root / f"http-{store}-{replicas}-{db[-6:]}" / "replica-0", db, since, until)
            assert same(held, reference[store][1]), f"{store} x{replicas}: {held}, in process {reference[store][1]}"
            base_rate = n / reference[store][0]
            per = " / ".join(f"{a / run.seconds:,.0f}" for a in run.accepted)
            cpu = " / ".join(f"{a / c:,.0f}" if c else "-" for a, c in zip(run.accepted, run.server_cpu, strict=True))
            rows.append((f"{store}, HTTP, {replicas} replica{'s' if replicas > 1 else ''}",
                         f"{n / run.seconds:,.0f}", per, f"{n / run.seconds / base_rate:.2f}", cpu))
    print(f"every event stored once: answers, repeats (all duplicates) and the stores' calls, cost and run calls "
          f"equal the in-process run's; load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    head = ("run", "events/s", "events/s per replica", "ratio to in process", "events per server CPU-s")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
