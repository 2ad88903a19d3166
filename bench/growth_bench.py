"""Ingest as history grows: N events into an empty store, then N more into the same store, timed apart.

The per-event cost of ingest must not grow with what is already stored, so the second half should run as fast as the
first. The 2N events span six days, so every run stays inside the run-cost outlier check's seven-day window (the
default `RunSettings.window_days`): the worst case for it, as each new run is compared with every stored run of its
agent. Wall and CPU time both: the machine may be shared.

    .venv/bin/python bench/growth_bench.py [--events 500000] [--batch 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger import Ledger

AGENTS = 200
SPAN = timedelta(days=6)
START = datetime(2025, 9, 1, tzinfo=UTC)
MODELS = [("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic"), ("o3", "openai"), ("gpt-4o-mini", "openai")]


def events(first: int, n: int, total: int) -> Iterator[dict]:
    """Events `first` to `first + n` of `total`, evenly over `SPAN` in time order: runs of 5 calls of one agent."""
    rng = random.Random(first)
    step = SPAN.total_seconds() / total
    agent = ""
    for i in range(first, first + n):
        if i % 5 == 0:
            agent = f"agent-{rng.randrange(AGENTS)}"
        model, provider = rng.choice(MODELS)
        inp = rng.randint(100, 20_000)
        out = rng.randint(10, 2_000)
        yield {"id": f"e{i}", "ts": (START + timedelta(seconds=i * step)).isoformat(), "agent": agent,
               "model": model, "provider": provider, "input_tokens": inp, "cache_read_tokens": inp // 4,
               "output_tokens": out, "reasoning_tokens": out // 5, "run_id": f"r{i // 5}", "project": "p1"}


def timed(led: Ledger, first: int, n: int, total: int) -> tuple[float, float]:
    """Ingest events `first` to `first + n`; (wall s, CPU s), generation of the dicts included in both."""
    t, cpu = time.perf_counter(), time.process_time()
    report = led.ingest_cost(events(first, n, total))
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert report.accepted == n, report
    return took, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500_000, help="N: events per half")
    parser.add_argument("--batch", type=int, default=2000, help="the ledger's batch size (its default: 2,000)")
    args = parser.parse_args()
    n = args.events
    with tempfile.TemporaryDirectory() as tmp, Ledger.open(Path(tmp) / "ledger.db", batch_size=args.batch) as led:
        first = timed(led, 0, n, 2 * n)
        second = timed(led, n, n, 2 * n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"events: {n:,} into an empty store, then {n:,} more  batch: {args.batch}  agents: {AGENTS}  "
          f"span: {SPAN.days} days")
    for name, (took, cpu) in (("first N (empty store)", first), ("second N (N stored)", second)):
        print(f"{name}: {n / took:,.0f} events/s wall ({took:.2f} s), {n / cpu:,.0f} events/s of CPU ({cpu:.2f} s)")
    wall, cpu = first[0] / second[0], first[1] / second[1]
    verdict = "met" if cpu >= 0.8 else "NOT met"
    print(f"ratio second/first throughput: {wall:.2f} wall, {cpu:.2f} CPU (target >= 0.80 CPU: {verdict})")
    print(f"peak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
