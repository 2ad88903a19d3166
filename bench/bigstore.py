"""A large store for the read benchmarks: 1,000 agents over 90 days, built through the ledger's own ingest.

The file is cached in bench/.data/ by its parameters, so `runrate_bench.py` and `allowance_bench.py` build it once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger import Ledger

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
