"""One command: generate companies, stream detection hour by hour, print ours against the naive 3x-median rule.

    python -m bench.anomaly [--agents 1000] [--tune] [--pass-hours 1] [--false-alarms] [--telemetry]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/anomaly/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.anomaly.evaluate import false_alarms, score
from bench.anomaly.stream import run_company
from ledger.anomaly import AnomalyConfig

__all__ = ["main"]

COMPANY = 50  # agents per company
TUNE_SEEDS, REPORT_SEEDS = 1, 1001  # tuning used seeds 1.., reports use 1001..
ALERT_WORTHY_USD = 5.0  # recall counts anomalies with a true 24 h excess of twice this (fixed across rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000, help="agents in all (companies of 50)")
    parser.add_argument("--tune", action="store_true", help="use the tuning seeds instead of the report seeds")
    parser.add_argument("--pass-hours", type=int, default=1, help="hours between detection passes")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--false-alarms", action="store_true", help="list our false alarms after the table")
    parser.add_argument("--telemetry", action="store_true",
                        help="no recorded changes: attribution gets only the changes seen in the agents' calls")
    args = parser.parse_args(argv)
    first = TUNE_SEEDS if args.tune else REPORT_SEEDS
    seeds = list(range(first, first + max(1, args.agents // COMPANY)))
    config = AnomalyConfig()
    started = time.perf_counter()
    job = partial(run_company, n_agents=min(COMPANY, args.agents), pass_hours=args.pass_hours, config=config,
                  telemetry=args.telemetry)
    with ProcessPoolExecutor(args.workers) as pool:
        results = [r for company in pool.map(job, seeds) for r in company]
    wall = time.perf_counter() - started
    ours = score(results, lambda r: r.ours, ALERT_WORTHY_USD)
    plain = score(results, lambda r: r.plain, ALERT_WORTHY_USD)
    passes = sum(r.passes for r in results)
    seconds = sum(r.seconds for r in results)
    days = {d: sum(1 for r in results if r.case.days == d) for d in (7, 14, 28)}
    print(f"seeds {seeds[0]}..{seeds[-1]} ({'tuning' if args.tune else 'report'}), {len(results)} agents "
          f"(history 7/14/28 d: {days[7]}/{days[14]}/{days[28]}), "
          f"{sum(r.case.truth is not None for r in results)} injected anomalies, a pass every {args.pass_hours} h"
          + ("; no recorded changes, only those seen in telemetry "
             f"({sum(len(r.case.changes) for r in results)})" if args.telemetry else ""))
    width = max(len(k) for k in ours)
    print(f"| {'figure':<{width}} | {'orgmap':<24} | {'naive 3x trailing median':<24} |")
    print(f"|{'-' * (width + 2)}|{'-' * 26}|{'-' * 26}|")
    for key in ours:
        print(f"| {key:<{width}} | {ours[key]:<24} | {plain.get(key, '-'):<24} |")
    print(f"compute: {passes} passes, {1000 * seconds / passes:.3f} ms CPU per agent per pass "
          f"({passes / seconds:,.0f} agent-passes/s on one core); wall {wall:.0f} s on {args.workers} workers")
    if args.false_alarms:
        _print_false_alarms(results)
    return 0


def _print_false_alarms(results: list) -> None:
    """One line per false alarm of ours: where and when it began and was seen, what moved, by how much."""
    print("false alarms (agent, onset hour / seen hour of its series, kind, factor, ratio, excess):")
    for agent, f in false_alarms(results, lambda r: r.ours):
        a = f.anomaly
        assert a is not None  # ours always carry their anomaly
        print(f"  {agent:<16} h{f.onset:>4} / h{f.seen:>4}  {a.kind:<5}  {a.factor:<7}  x{a.ratio:<7} ${a.excess_usd}")


if __name__ == "__main__":
    raise SystemExit(main())
