"""Ingest throughput from a JSONL file (parse + validate + price + store + rollups + runs) against a naive
row-by-row insert of the same file into the same engine, measured in the same run. Wall and CPU time both: the
machine may be shared. `--db postgresql://.../postgres` runs both on that PostgreSQL server instead of SQLite files,
each in a database of its own made for the run and dropped after it.

    .venv/bin/python bench/ingest_bench.py [--events N] [--batch N] [--db postgresql://user:pw@host:port/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ledger import IngestReport, Ledger

MODELS = [("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic"), ("o3", "openai"), ("acme-llm", None)]


def write_events(path: Path, n: int) -> None:
    """`n` events: runs of 5 calls of one of 200 agents, 4 models (one unpriced), 7 s apart; ids random 64-bit hex
    as span ids are (sequential ids would sort in insertion order and flatter a table clustered on the id)."""
    rng = random.Random(1)
    start = datetime(2025, 9, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % 5 == 0:  # a run: 5 calls of one agent
                agent = f"agent-{rng.randint(0, 199)}"
            model, provider = rng.choice(MODELS)
            inp = rng.randint(100, 20_000)
            out = rng.randint(10, 2_000)
            fh.write(json.dumps({
                "id": f"{rng.getrandbits(64):016x}", "ts": (start + timedelta(seconds=i * 7)).isoformat(),
                "agent": agent,
                "model": model, "provider": provider, "input_tokens": inp, "cache_read_tokens": inp // 4,
                "output_tokens": out, "reasoning_tokens": out // 5, "run_id": f"r{i // 5}", "project": "p1",
            }) + "\n")


def lines(path: Path):
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def naive(path: Path, db: Path) -> tuple[float, float]:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE e (id TEXT PRIMARY KEY, ts TEXT, agent TEXT, model TEXT, input INTEGER, output INTEGER)")
    t, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    for e in lines(path):
        conn.execute("INSERT OR IGNORE INTO e VALUES (?, ?, ?, ?, ?, ?)",
                     (e["id"], e["ts"], e["agent"], e["model"], e["input_tokens"], e["output_tokens"]))
    conn.execute("COMMIT")
    return time.perf_counter() - t, time.process_time() - cpu


def naive_postgres(path: Path, url: str) -> tuple[float, float]:
    """The same plain insert on PostgreSQL: one transaction, the rows pipelined (psycopg's executemany)."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE e (id TEXT PRIMARY KEY, ts TEXT, agent TEXT, model TEXT, input BIGINT, "
                     "output BIGINT)")
        conn.commit()
        t, cpu = time.perf_counter(), time.process_time()
        conn.cursor().executemany(
            "INSERT INTO e VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            ((e["id"], e["ts"], e["agent"], e["model"], e["input_tokens"], e["output_tokens"]) for e in lines(path)))
        conn.commit()
    return time.perf_counter() - t, time.process_time() - cpu


@contextmanager
def postgres_databases(server: str, n: int) -> Iterator[list[str]]:
    """`n` fresh databases on the server, dropped afterwards: their URLs."""
    import psycopg

    names = [f"orgmap_bench_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    parts = urlsplit(server)
    with psycopg.connect(server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")) for name in names]
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL server to run on (its URL, any database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "events.jsonl"
        write_events(src, args.events)
        if args.db:
            with postgres_databases(args.db, 2) as (plain, store):
                base, base_cpu = naive_postgres(src, plain)
                took, cpu, report = ingest(src, store, args.batch)
        else:
            base, base_cpu = naive(src, Path(tmp) / "naive.db")
            took, cpu, report = ingest(src, str(Path(tmp) / "ledger.db"), args.batch)
        assert report.accepted == args.events
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"store: {'PostgreSQL' if args.db else 'SQLite'}  events: {args.events:,}  batch: {args.batch}")
        n = args.events
        print(f"ledger ingest_jsonl: {n / took:,.0f} events/s wall ({took:.2f} s), {n / cpu:,.0f} events/s of CPU")
        print(f"naive row-by-row insert (json.loads, no validation, pricing, rollups): {n / base:,.0f} events/s "
              f"wall ({base:.2f} s), {n / base_cpu:,.0f} events/s of CPU")
        print(f"ratio ledger/naive throughput: {base / took:.2f} wall, {base_cpu / cpu:.2f} CPU")
        print(f"peak RSS: {peak:,.0f} MB; load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(a shared machine: compare the CPU ratio)")


def ingest(src: Path, store: str, batch: int) -> tuple[float, float, IngestReport]:
    """`Ledger.ingest_jsonl` of the file into the store: wall and CPU seconds, and its report."""
    with Ledger.open(store, batch_size=batch) as led:
        t, cpu = time.perf_counter(), time.process_time()
        report = led.ingest_jsonl(src)
        return time.perf_counter() - t, time.process_time() - cpu, report


if __name__ == "__main__":
    main()
