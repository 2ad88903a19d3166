"""Demo data speed: the streamed generator against a naive build-a-list-then-sort generator, same run, same sizes.

    .venv/bin/python bench/bench_demo_data.py [--agents 1000] [--events 1000000]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from orgmap.demo.data import generate, generate_scaled

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def naive(n_agents: int, n_events: int, days: int = 30) -> list[dict[str, Any]]:
    """The obvious way: random runs over the window as datetimes, every event built with isoformat, one big sort."""
    rng, start, events = random.Random(7), NOW - timedelta(days=days), []
    while len(events) < n_events:
        agent = f"agent-{rng.randint(1, n_agents):04d}"
        moment = start + timedelta(seconds=rng.uniform(0, days * 86400))
        run_id = f"run_{rng.getrandbits(48):012x}"
        for attempt in range(rng.randint(1, 5)):
            moment += timedelta(milliseconds=rng.randint(300, 5000))
            events.append({"id": f"n-{len(events)}", "ts": moment.isoformat(timespec="milliseconds"), "agent": agent,
                           "kind": "llm", "model": "gpt-4o-mini", "provider": "openai",
                           "input_tokens": int(rng.lognormvariate(7.5, 0.5)),
                           "output_tokens": int(rng.lognormvariate(5, 0.5)), "run_id": run_id, "retry": attempt})
    events.sort(key=lambda event: event["ts"])
    return events


def timed(make: Callable[[], Iterable[dict[str, Any]]]) -> tuple[int, float]:
    began = time.perf_counter()
    count = sum(1 for _ in make())
    return count, time.perf_counter() - began


def peak_mib(make: Callable[[], Iterable[dict[str, Any]]]) -> float:
    tracemalloc.start()
    for _ in make():
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()

    count, seconds = timed(lambda: generate(now=NOW).cost_events)
    print(f"example company, 60 days:     {count:>10,} events in {seconds:6.2f} s ({count / seconds:,.0f}/s)")
    ours, ours_s = timed(lambda: generate_scaled(args.agents, args.events))
    print(f"generate_scaled (streamed):   {ours:>10,} events in {ours_s:6.2f} s ({ours / ours_s:,.0f}/s)")
    base, base_s = timed(lambda: naive(args.agents, args.events))
    print(f"naive list + sort baseline:   {base:>10,} events in {base_s:6.2f} s ({base / base_s:,.0f}/s)")
    print(f"speed ratio (ours / naive):   {(ours / ours_s) / (base / base_s):.2f}x")
    small = min(args.events, 200_000)
    ours_mib = peak_mib(lambda: generate_scaled(args.agents, small))
    base_mib = peak_mib(lambda: naive(args.agents, small))
    print(f"peak memory at {small:,} events: streamed {ours_mib:.1f} MiB, naive {base_mib:.1f} MiB "
          f"({base_mib / ours_mib:.1f}x less)")


if __name__ == "__main__":
    main()
