"""The dashboard's chart (7 days by agent, hourly; and daily) with its past memoised (`SeriesMemo`) against the whole
span read on every poll, in the same run.

    .venv/bin/python bench/series_bench.py [--events N] [--repeat R]

On the benchmark store (bigstore.py: 1,000 agents over 90 days, cached in bench/.data/), asked at 14:30 on its last
day, as the dashboard polls it: the whole span read and folded (`Ledger.grouped_spend`, what every poll did before);
through a `SeriesMemo` whose past is kept (a poll while only the current hour is written: the present hour, or day,
read and added to a copy of the past); through one whose past is read (the first poll after a late write, a vault
edit or the hour turning); and the whole answer (`SpendAnswers.spend_over_time`, rounding included) with the past
kept and with a fresh memo. The memoised figures are checked equal to the whole read's, to the last bit.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from bigstore import END, build, resolve

from graph import CompanyGraph
from ledger import Ledger
from orgmap.series_memo import SeriesMemo
from orgmap.spend_answers import SpendAnswers

NOW = END - timedelta(hours=9, minutes=30)  # 14:30 on the store's last day: 14 hours of it before the present


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of `repeat` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    location = build(args.events)
    since, until = NOW.replace(minute=0) - timedelta(days=7) + timedelta(hours=1), NOW.replace(minute=0) + timedelta(
        hours=1)
    with Ledger.open(location, clock=lambda: NOW) as led:
        led.set_resolver(resolve)
        answers = SpendAnswers(CompanyGraph(), lambda: led, lambda: NOW)
        print(f"the chart over 7 days of 1,000 agents at {NOW:%Y-%m-%d %H:%M} UTC on the {args.events:,}-event store "
              f"(median of {args.repeat}):")
        for bucket in ("hour", "day"):
            whole = led.grouped_spend(since, until, "agent", bucket)  # (also warms names and pages)
            kept = SeriesMemo()
            memoised = kept.grouped_spend(led, 0, NOW, since, until, "agent", bucket, None, {})
            assert memoised == whole, "the memoised series differs from the whole read"
            rows = sum(1 for values in whole.costs.values() for v in values if v)
            base = timed(lambda b=bucket: led.grouped_spend(since, until, "agent", b), args.repeat)  # type: ignore
            hit = timed(lambda b=bucket, m=kept: m.grouped_spend(led, 0, NOW, since, until, "agent", b, None, {}),
                        args.repeat)
            miss = timed(lambda b=bucket: SeriesMemo().grouped_spend(led, 0, NOW, since, until, "agent", b, None, {}),
                         args.repeat)
            answers.spend_over_time("7d", "agent", bucket)
            answer_hit = timed(lambda b=bucket: answers.spend_over_time("7d", "agent", b), args.repeat)

            def fresh_answer(b: str = bucket) -> object:
                answers.series = SeriesMemo()
                return answers.spend_over_time("7d", "agent", b)

            answer_miss = timed(fresh_answer, args.repeat)
            print(f"  {bucket} buckets ({len(whole.starts)} of them, {rows:,} group-buckets with spend):")
            for label, (wall, cpu) in (("whole span read (every poll before)", base),
                                       ("memo: past kept, present read", hit),
                                       ("memo: past read too (after a late write)", miss),
                                       ("answer (rounded) with the past kept", answer_hit),
                                       ("answer (rounded) with a fresh memo", answer_miss)):
                print(f"    {label}: {wall:,.1f} ms wall, {cpu:,.1f} ms CPU")
            print(f"    past kept vs whole read: {base[1] / hit[1]:,.1f}x less CPU; answers: "
                  f"{answer_miss[1] / answer_hit[1]:,.1f}x less CPU")


if __name__ == "__main__":
    main()
