"""Ranked run-rate (pure): rollup sums per key for a window and its baseline, folded into groups and ranked.

The baseline is the preceding window of the same length. The projected month is cost/day x the number of days in
the month containing `until` (calendar days, not 30.4).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .rollups import Deltas, add

__all__ = ["BY", "UNATTRIBUTED", "RunRate", "RunRateRow", "rank"]

BY = ("agent", "owner", "team", "model", "provider", "client", "project", "kind")
UNATTRIBUTED = "(unattributed)"
_TOKENS = slice(4, 9)


@dataclass(frozen=True, slots=True)
class RunRateRow:
    """One group's rate over the window. `change_pct` is None without baseline spend."""

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
    """Ranked rows (by cost/day, unattributed included as its own row) and totals."""

    by: str
    since: datetime
    until: datetime
    days: float
    rows: list[RunRateRow] = field(default_factory=list)
    total_cost_per_day: float = 0.0
    unattributed_cost: float = 0.0
    shadowed_aggregate_cost: float = 0.0
    projected_month_days: int = 30


def _group(rows: Iterable[tuple], groups_of: Callable[[tuple], Sequence[str | None]]) -> Deltas:
    out: Deltas = {}
    for row in rows:
        key, measures = row[:-11], row[-11:]
        for group in groups_of(key):
            add(out, (group,), measures)
    return out


def rank(
    by: str, current: Iterable[tuple], baseline: Iterable[tuple], groups_of: Callable[[tuple], Sequence[str | None]],
    since: datetime, until: datetime, shadowed_cost: float,
) -> RunRate:
    """Fold rollup rows (dimension values..., 11 measures) into ranked groups; None is the unattributed group."""
    days = (until - since).total_seconds() / 86400
    month_days = calendar.monthrange(until.year, until.month)[1]
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
            projected_month=per_day * month_days,
            baseline_cost_per_day=base_per_day,
            change_pct=(per_day - base_per_day) / base_per_day * 100 if base_per_day > 0 else None,
            unpriced=int(m[1]),
            retries=m[9],
            errors=m[10],
        ))
    rows.sort(key=lambda r: (-r.cost_per_day, r.key))
    return RunRate(
        by=by, since=since, until=until, days=days, rows=rows,
        total_cost_per_day=sum(row[-11] for row in current) / days,
        unattributed_cost=sum(r.cost for r in rows if not r.attributed),
        shadowed_aggregate_cost=shadowed_cost,
        projected_month_days=month_days,
    )
