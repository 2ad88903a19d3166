"""Budgets per agent, owner or project: spend per period from running totals, threshold alerts, the allowance.

Periods are UTC: `hour` is the rolling 60 minutes before `now` (per-call spend), `day` and `month` are calendar
periods so far, `run` is one run's cost so far. Nothing here scans raw events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .rollups import AGG_COUNTED, PER_CALL
from .store import EventStore
from .timeutil import HOUR_US, day_start, month_start, to_us

__all__ = ["Allowance", "BudgetSpec", "BudgetStatus", "PeriodStatus", "budget_periods", "spend_in"]

SCOPES = ("agent", "owner", "project")


@dataclass(frozen=True, slots=True)
class BudgetSpec:
    """A budget. `key` is a node id (agent, owner) or a project name; `agents` lists an owner's agent node ids."""

    scope: str
    key: str
    daily_usd: float | None = None
    monthly_usd: float | None = None
    hourly_usd: float | None = None
    per_run_usd: float | None = None
    thresholds: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    agents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"budget scope must be one of {SCOPES}, got {self.scope!r}")


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    """Spend against one limit. `start` is the period's start (None for a run)."""

    period: str
    spent: float
    limit: float
    used_pct: float
    remaining: float
    start: datetime | None = None


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    scope: str
    key: str
    periods: list[PeriodStatus] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Allowance:
    """May the agent spend now? `remaining` is the smallest headroom; `checks` every budget consulted."""

    allowed: bool
    node_id: str
    reason: str
    remaining: float | None
    checks: list[BudgetStatus] = field(default_factory=list)


def spend_in(store: EventStore, keys: Sequence[str] | None, project: str | None, start: datetime,
             now: datetime) -> float:
    """Counted spend from `start` to the end of `now`'s hour for agent keys (or a project), from rollups."""
    if keys is not None and not keys:
        return 0.0
    first, end = to_us(start) // HOUR_US, to_us(now) // HOUR_US + 1
    rows = store.rollup_sum((), first, end, slim=project is None, aggs=(PER_CALL, AGG_COUNTED),
                            agent_keys=keys, project=project)
    return rows[0][0] if rows else 0.0


def _status(period: str, spent: float, limit: float, start: datetime | None) -> PeriodStatus:
    used = spent / limit * 100 if limit > 0 else (100.0 if spent > 0 else 0.0)
    return PeriodStatus(period, spent, limit, used, limit - spent, start)


def budget_periods(
    store: EventStore, spec: BudgetSpec, keys: Sequence[str] | None, now: datetime,
    run_cost: Callable[[], float | None] | None = None,
) -> BudgetStatus:
    """The status of every limit a spec sets, at `now` (keys None means the spec's project)."""
    project = spec.key if spec.scope == "project" else None
    periods: list[PeriodStatus] = []
    if run_cost is not None and spec.per_run_usd is not None:
        cost = run_cost()
        if cost is not None:
            periods.append(_status("run", cost, spec.per_run_usd, None))
    if spec.hourly_usd is not None:
        minute = to_us(now) // 60_000_000
        spent = store.minute_spend(keys, project, minute - 59, minute + 1)
        periods.append(_status("hour", spent, spec.hourly_usd, None))
    if spec.daily_usd is not None:
        start = day_start(now)
        periods.append(_status("day", spend_in(store, keys, project, start, now), spec.daily_usd, start))
    if spec.monthly_usd is not None:
        start = month_start(now)
        periods.append(_status("month", spend_in(store, keys, project, start, now), spec.monthly_usd, start))
    return BudgetStatus(spec.scope, spec.key, periods)
