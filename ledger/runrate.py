"""Ranked run-rate (pure): rollup sums per key for a window and its baseline, folded into groups and ranked.

The rules, one function each: the baseline of a window shorter than a week is the same hours a week earlier (a
Monday is compared with the Monday before, not with a Sunday); of a longer one, the preceding window of the same
length (`baseline_span`). A month is projected as cost/day x the calendar days of the month the window ends in
(`month_days`; not 30, not 30.4). An agent counted under several groups (two owners, two teams) counts an equal
share under each, so the rows add up to the total.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .rollups import WEEK_HOURS, Deltas, add

__all__ = ["BY", "UNATTRIBUTED", "RunRate", "RunRateRow", "baseline_span", "month_days", "rank"]

BY = ("agent", "owner", "team", "model", "provider", "client", "project", "kind")
UNATTRIBUTED = "(unattributed)"
_TOKENS = slice(4, 9)


def baseline_span(first_hour: int, end_hour: int) -> tuple[int, int]:
    """The baseline [first, end) hours of the window [first_hour, end_hour): the same hours a week earlier for a
    window shorter than a week (weekly rhythm), else the preceding window of the same length."""
    if end_hour - first_hour < WEEK_HOURS:
        return first_hour - WEEK_HOURS, end_hour - WEEK_HOURS
    return 2 * first_hour - end_hour, first_hour


def month_days(until: datetime) -> int:
    """Calendar days of the month a window ending at `until` (exclusive) ends in: the month of its last instant."""
    last = until - timedelta(microseconds=1)
    return calendar.monthrange(last.year, last.month)[1]


@dataclass(frozen=True, slots=True)
class RunRateRow:
    """One group's rate over the window. `change_pct` is None without baseline spend, or when the data covers the
    baseline window only in part."""

    key: str
    attributed: bool
    cost: float
    cost_per_day: float
    runs: float
    runs_per_day: float
    calls: float
    tokens: float
    cost_per_1k_runs: float | None
    tokens_per_run: float | None
    projected_month: float
    baseline_cost_per_day: float
    change_pct: float | None
    unpriced: int
    retries: float
    errors: float


@dataclass(frozen=True, slots=True)
class RunRate:
    """Ranked rows (by cost/day, unattributed included as its own row) and totals. `data_since` is the first hour
    with spend when the store holds none before the window (None: the data covers the window)."""

    by: str
    since: datetime
    until: datetime
    days: float
    baseline_since: datetime
    baseline_until: datetime
    rows: list[RunRateRow] = field(default_factory=list)
    total_cost: float = 0.0
    total_cost_per_day: float = 0.0
    projected_month: float = 0.0
    projected_month_days: int = 30
    unattributed_cost: float = 0.0
    shadowed_aggregate_cost: float = 0.0
    data_since: datetime | None = None


def _group(rows: Iterable[tuple], groups_of: Callable[[tuple], Sequence[str | None]]) -> Deltas:
    """Sum the measures per group; a key in n groups adds 1/n of its measures to each."""
    out: Deltas = {}
    for row in rows:
        key, measures = row[:-11], row[-11:]
        groups = groups_of(key)
        share = measures if len(groups) == 1 else [m / len(groups) for m in measures]
        for group in groups:
            add(out, (group,), share)
    return out


def rank(
    by: str, current: Iterable[tuple], baseline: Iterable[tuple], groups_of: Callable[[tuple], Sequence[str | None]],
    window: tuple[datetime, datetime], baseline_window: tuple[datetime, datetime], shadowed_cost: float,
    data_since: datetime | None = None, baseline_covered: bool = True,
) -> RunRate:
    """Fold rollup rows (dimension values..., 11 measures) into ranked groups; None is the unattributed group.
    Without `baseline_covered` (the data begins inside the baseline window) no change is given."""
    since, until = window
    days = (until - since).total_seconds() / 86400
    month = month_days(until)
    current = list(current)
    now_groups, base_groups = _group(current, groups_of), _group(baseline, groups_of)
    rows: list[RunRateRow] = []
    for (group,), m in now_groups.items():
        cost, runs, tokens = m[0], m[3], sum(m[_TOKENS][:2])
        base = base_groups.get((group,))
        base_per_day = (base[0] / days) if base else 0.0
        per_day = cost / days
        rows.append(RunRateRow(
            key=group if group is not None else UNATTRIBUTED,
            attributed=group is not None,
            cost=cost,
            cost_per_day=per_day,
            runs=runs,
            runs_per_day=runs / days,
            calls=m[2],
            tokens=tokens,
            cost_per_1k_runs=cost / runs * 1000 if runs else None,
            tokens_per_run=tokens / runs if runs else None,
            projected_month=per_day * month,
            baseline_cost_per_day=base_per_day,
            change_pct=(per_day - base_per_day) / base_per_day * 100 if base_per_day > 0 and baseline_covered else None,
            unpriced=round(m[1]),
            retries=m[9],
            errors=m[10],
        ))
    rows.sort(key=lambda r: (-r.cost_per_day, r.key))
    total = sum(row[-11] for row in current)
    return RunRate(
        by=by, since=since, until=until, days=days, baseline_since=baseline_window[0],
        baseline_until=baseline_window[1], rows=rows, total_cost=total, total_cost_per_day=total / days,
        projected_month=total / days * month, projected_month_days=month,
        unattributed_cost=sum(r.cost for r in rows if not r.attributed), shadowed_aggregate_cost=shadowed_cost,
        data_since=data_since,
    )
