"""A large store for the read benchmarks: 1,000 agents over 90 days, built through the ledger's own ingest.

The file is cached in bench/.data/ by its parameters, so `runrate_bench.py` and `allowance_bench.py` build it once.
On PostgreSQL (`on_postgres`) the same store is copied into a database by the store's own copy (`orgmap
migrate-store`: COPY underneath, verified by every table's rows and cost totals), so its rollups and runs are the
ones ingest made; ingesting 10M events there again would take hours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ledger import Ledger, copy_store

AGENTS = 1000
DAYS = 90
END = datetime(2025, 10, 1, tzinfo=UTC)
MODELS = [("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic"), ("o3", "openai"), ("gpt-4o-mini", "openai")]
PROJECTS = ["helpdesk", "sales", "search", "ops"]
DATA = Path(__file__).resolve().parent / ".data"


def agent_name(i: int) -> str:
    return f"agent-{i:04d}"


def resolve(name: str) -> str | None:
    """agent-0042 -> agents/agent-0042 (every generated agent is a node)."""
    return f"agents/{name.casefold()}" if name.casefold().startswith("agent-") else None


def events(n: int, seed: int = 7) -> Iterator[dict]:
    """`n` per-call events in runs of 5 calls, spread evenly over the 90 days; agents' shares are skewed."""
    rng = random.Random(seed)
    start = END - timedelta(days=DAYS)
    step = DAYS * 86400 / (n / 5)
    weights = [1 / (i + 1) ** 0.5 for i in range(AGENTS)]
    picks = rng.choices(range(AGENTS), weights, k=n // 5)
    for j, agent in enumerate(picks):
        model, provider = MODELS[agent % len(MODELS)]
        base = start + timedelta(seconds=j * step)
        name, project = agent_name(agent), PROJECTS[agent % len(PROJECTS)]
        for k in range(5):
            inp = rng.randint(200, 8000)
            yield {"id": f"e{j}-{k}", "ts": (base + timedelta(seconds=k)).isoformat(), "agent": name, "model": model,
                   "provider": provider, "input_tokens": inp, "cache_read_tokens": inp // 4,
                   "output_tokens": rng.randint(20, 800), "run_id": f"r{j}", "project": project}


def build(n: int) -> Path:
    """The store with `n` events (built on first use, printing how long the build took)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"store-{n}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    for leftover in DATA.glob(f"{partial.name}*"):
        leftover.unlink()
    t, cpu = time.perf_counter(), time.process_time()
    with Ledger.open(partial, batch_size=20_000) as led:
        report = led.ingest_cost(events(n))
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert report.accepted == n, report
    partial.rename(path)
    print(f"built {path.name}: {n:,} events through Ledger.ingest_cost in {took:,.0f} s "
          f"({n / took:,.0f} events/s wall, {n / cpu:,.0f} events/s of CPU)")
    return path


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextmanager
def on_postgres(server: str, n: int, keep: bool = False) -> Iterator[str]:
    """The URL of the `n`-event store copied into database `orgmap_bench_store_<n>` on the PostgreSQL `server`, then
    vacuumed and analyzed (as autovacuum would have it after a bulk load). The copy commits in one transaction, so a
    database holding the SQLite store's id is whole and is used again; without `keep` it is dropped afterwards."""
    import psycopg

    path = build(n)
    name = f"orgmap_bench_store_{n}"
    url = database_url(server, name)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
    if not (exists and _same_store(path, url)):
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        t = time.perf_counter()
        copied = copy_store(path, url)
        rows = sum(count for count, _ in copied.values())
        print(f"copied {path.name} into PostgreSQL database {name}: {rows:,} rows in {len(copied)} tables in "
              f"{time.perf_counter() - t:,.0f} s (copy_store, verified by rows and cost totals)")
    Ledger.open(url).close()  # a copy kept from an older schema migrates forward here
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a table some time after a bulk load
    try:
        yield url
    finally:
        if not keep:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _same_store(path: Path, url: str) -> bool:
    """Whether the database holds a whole copy of the SQLite store (its store id; the copy is one transaction)."""
    import sqlite3

    import psycopg

    with sqlite3.connect(path) as conn:
        mine = conn.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()
    try:
        with psycopg.connect(url) as conn:
            theirs = conn.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()
    except psycopg.Error:
        return False
    return mine == theirs
