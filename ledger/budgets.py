"""Budgets per agent, owner, project or client: spend per period from running totals, the burn rate and the day a
budget runs out, staged pauses by criticality, and the allowance.

Periods are UTC: `hour` is the rolling 60 minutes before `now` (per-call spend), `day` and `month` are calendar
periods so far, `run` is one run's cost so far. Nothing here scans raw events.

Pauses: each budget has stages (`pause`), each a share of the limit and the agents it pauses from there: `low`
(agents of criticality low), `normal` (normal and low) or `all`. The default is the playbook: from 90% every agent
that is not `critical`, from 100% all. The run and hour caps are guardrails, not periods to pace through: only their
stages from 100% apply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .rollups import AGG_COUNTED, PER_CALL
from .store import EventStore
from .timeutil import HOUR_US, day_start, month_start, next_month_start, to_us

__all__ = [
    "CRITICALITIES", "DEFAULT_PAUSE", "PAUSE_LEVELS", "SCOPES", "AgentPause", "Allowance", "BudgetSpec",
    "BudgetStatus", "BurnRates", "Hold", "PeriodStatus", "budget_periods", "holds", "pause_stage", "projected",
    "spend_in",
]

SCOPES = ("agent", "owner", "project", "client")
CRITICALITIES = ("low", "normal", "critical")  # an agent's `criticality:`, least critical first
PAUSE_LEVELS = ("low", "normal", "all")  # a stage pauses the criticalities up to its level's rank
DEFAULT_PAUSE: tuple[tuple[float, str], ...] = ((0.9, "normal"), (1.0, "all"))
CAPS = frozenset({"run", "hour"})
BURN_DAYS = 7  # the trailing window of the burn rate: a whole week, so weekends weigh what they do
_DAY = timedelta(days=1)

# (recipient node id, destination "email:ADDRESS" or "webhook:URL") per threshold of a budget.
Route = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BudgetSpec:
    """A budget. `key` is a node id (agent, owner), a project or a client name; `agents` lists an owner's agent node
    ids. `pause` is its stages ((share, level), none: it never pauses), `routes` who hears each threshold (empty:
    nobody beyond the global webhook), `label` and `owners` the display names its alerts use."""

    scope: str
    key: str
    daily_usd: float | None = None
    monthly_usd: float | None = None
    hourly_usd: float | None = None
    per_run_usd: float | None = None
    thresholds: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    agents: tuple[str, ...] = ()
    pause: tuple[tuple[float, str], ...] = DEFAULT_PAUSE
    routes: tuple[tuple[float, tuple[Route, ...]], ...] = ()
    label: str = ""
    owners: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"budget scope must be one of {SCOPES}, got {self.scope!r}")
        bad = [level for _, level in self.pause if level not in PAUSE_LEVELS]
        if bad:
            raise ValueError(f"pause levels must be one of {PAUSE_LEVELS}, got {bad[0]!r}")

    @property
    def name(self) -> str:
        """How messages name it: `agent Support Bot`, `project acme`."""
        return f"{self.scope} {self.label or self.key}"

    def routes_for(self, thresholds: Sequence[float]) -> list[Route]:
        """Who hears these thresholds, each destination once, in the order the routes name them."""
        by_threshold = dict(self.routes)
        found: dict[str, Route] = {}
        for t in thresholds:
            for route in by_threshold.get(t, ()):
                found.setdefault(route[1], route)
        return list(found.values())


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    """Spend against one limit. `start` and `end` bound the period (None for a run, and `end` for the rolling
    hour). For day and month: the burn rate over the trailing `burn_window` (the 7 whole days before today, fewer
    when the spend began later), the spend `projected_usd` at the period's end at that rate, and `runs_out_at`,
    when the budget runs out at that rate (None: it lasts the period; the present when it has run out already)."""

    period: str
    spent: float
    limit: float
    used_pct: float
    remaining: float
    start: datetime | None = None
    end: datetime | None = None
    burn_usd_per_day: float | None = None
    burn_window: str | None = None
    projected_usd: float | None = None
    runs_out_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    scope: str
    key: str
    periods: list[PeriodStatus] = field(default_factory=list)
    label: str = ""


@dataclass(frozen=True, slots=True)
class Hold:
    """A budget's pause stage that holds an agent: from `stage` (a share of the limit) it pauses `level` agents;
    `lifts_at` is when the period ends (None: the rolling hour, which lifts as its spend ages out, or a run)."""

    scope: str
    key: str
    period: str
    stage: float
    level: str
    used_pct: float
    spent: float
    limit: float
    lifts_at: datetime | None

    @property
    def severity(self) -> tuple[int, float]:
        """Orders holds: the stage pausing more agents first, then the budget most used."""
        return PAUSE_LEVELS.index(self.level), self.used_pct


@dataclass(frozen=True, slots=True)
class AgentPause:
    """An agent a budget's pause stage holds, with every stage that holds it. A project's or client's stage holds
    the agents that spent on it this period, when their allowance check names it."""

    node_id: str
    criticality: str
    held_by: list[Hold] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Allowance:
    """May the agent spend now? `remaining` is the smallest headroom; `checks` every budget consulted; `held_by`
    the pause stages that deny it (the first one is `reason`'s)."""

    allowed: bool
    node_id: str
    reason: str
    remaining: float | None
    checks: list[BudgetStatus] = field(default_factory=list)
    criticality: str = "normal"
    held_by: list[Hold] = field(default_factory=list)


def pause_stage(spec: BudgetSpec, period: PeriodStatus) -> tuple[float, str] | None:
    """The most severe pause stage a period has reached (ties: the later stage), or None.

    >>> spec = BudgetSpec("agent", "a", pause=((0.9, "low"), (0.95, "normal"), (1.0, "all")))
    >>> day, run = (PeriodStatus(period, 9.6, 10.0, 96.0, 0.4) for period in ("day", "run"))
    >>> pause_stage(spec, day), pause_stage(spec, run)
    ((0.95, 'normal'), None)
    """
    reached = [(PAUSE_LEVELS.index(level), share, level) for share, level in spec.pause
               if period.used_pct + 1e-9 >= share * 100 and (period.period not in CAPS or share >= 1.0)]
    if not reached:
        return None
    _, share, level = max(reached)
    return share, level


def pauses(level: str, criticality: str) -> bool:
    """Whether a stage of `level` pauses an agent of `criticality` (unknown criticality: normal).

    >>> [pauses("normal", c) for c in CRITICALITIES], pauses("all", "critical")
    ([True, True, False], True)
    """
    rank = CRITICALITIES.index(criticality) if criticality in CRITICALITIES else 1
    return rank <= PAUSE_LEVELS.index(level)


def holds(spec: BudgetSpec, status: BudgetStatus, criticality: str) -> list[Hold]:
    """The stages of one budget's periods that pause an agent of `criticality`."""
    found = []
    for period in status.periods:
        stage = pause_stage(spec, period)
        if stage is not None and pauses(stage[1], criticality):
            found.append(Hold(spec.scope, spec.key, period.period, stage[0], stage[1], period.used_pct, period.spent,
                              period.limit, period.end if period.period in ("day", "month") else None))
    return found


def spend_in(store: EventStore, keys: Sequence[str] | None, project: str | None, start: datetime,
             now: datetime, client: str | None = None, end_hour: int | None = None) -> float:
    """Counted spend from `start` to the end of `now`'s hour (or to `end_hour`) for agent keys (or a project, or a
    client), from rollups."""
    if keys is not None and not keys:
        return 0.0
    first, end = to_us(start) // HOUR_US, to_us(now) // HOUR_US + 1 if end_hour is None else end_hour
    rows = store.rollup_sum((), first, end, slim=project is None and client is None, aggs=(PER_CALL, AGG_COUNTED),
                            agent_keys=keys, project=project, client=client)
    return rows[0][0] if rows else 0.0


def burn_rate(store: EventStore, keys: Sequence[str] | None, project: str | None, client: str | None,
              now: datetime) -> tuple[float, str]:
    """USD per day over the 7 whole UTC days before today, and that window in words ("7d"): each weekday once, read
    from the day rollups alone (the allowance check stays cheap). When the spend began within them (and there was
    none in the 7 days before), from its first day, so a new agent's rate is its own and not diluted by days it did
    not exist."""
    if keys is not None and not keys:
        return 0.0, f"{BURN_DAYS}d"
    today = to_us(day_start(now)) // HOUR_US // 24
    first = today - BURN_DAYS

    def spend(lo: int, hi: int, bucket: str | None) -> list[tuple]:
        return store.rollup_sum((), lo * 24, hi * 24, slim=project is None and client is None,
                                aggs=(PER_CALL, AGG_COUNTED), agent_keys=keys, project=project, client=client,
                                bucket=bucket, measures=("cost",))

    spent = [(day, cost) for day, cost, *_ in spend(first, today, "day") if cost]
    if not spent:
        return 0.0, f"{BURN_DAYS}d"
    begun = min(day for day, _ in spent)
    if begun > first and any(row[0] for row in spend(first - BURN_DAYS, first, None)):
        begun = first  # it spent before the window: a gap, not a start
    return sum(cost for _, cost in spent) / (today - begun), f"{today - begun}d"


BurnOf = Callable[[Sequence[str] | None, str | None, str | None, datetime], tuple[float, str]]


class BurnRates:
    """`burn_rate` of one store, each kept until the day turns or the store is written to (by this process: call
    `changed()`; by another: its data version moves): the window is whole past days, so nothing else moves a rate,
    and the allowance check reads it from memory."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._writes = 0
        self._stamp: tuple[int, int, datetime] | None = None
        self._rates: dict[tuple[tuple[str, ...] | None, str | None, str | None], tuple[float, str]] = {}

    def changed(self) -> None:
        """This process wrote to the store."""
        self._writes += 1

    def __call__(self, keys: Sequence[str] | None, project: str | None, client: str | None,
                 now: datetime) -> tuple[float, str]:
        stamp = (self._store.data_version(), self._writes, day_start(now))
        if stamp != self._stamp:
            self._rates, self._stamp = {}, stamp
        key = (None if keys is None else tuple(keys), project, client)
        found = self._rates.get(key)
        if found is None:
            found = self._rates[key] = burn_rate(self._store, keys, project, client, now)
        return found


def _status(period: str, spent: float, limit: float, start: datetime | None = None,
            end: datetime | None = None) -> PeriodStatus:
    used = spent / limit * 100 if limit > 0 else (100.0 if spent > 0 else 0.0)
    return PeriodStatus(period, spent, limit, used, limit - spent, start, end)


def _projected(status: PeriodStatus, burn: tuple[float, str], now: datetime) -> PeriodStatus:
    """A calendar period with its burn rate, projection and run-out time (`PeriodStatus`)."""
    assert status.end is not None
    rate, window = burn
    left_days = max(0.0, (status.end - now) / _DAY)
    if status.remaining <= 0:
        out: datetime | None = now
    elif rate > 0 and (at := now + status.remaining / rate * _DAY) < status.end:
        out = at.replace(microsecond=0)
    else:
        out = None
    return PeriodStatus(status.period, status.spent, status.limit, status.used_pct, status.remaining, status.start,
                        status.end, rate, window, status.spent + rate * left_days, out)


def projected(store: EventStore, spec: BudgetSpec, keys: Sequence[str] | None, status: PeriodStatus,
              now: datetime) -> PeriodStatus:
    """A day or month period with its burn rate, projection and run-out time (`PeriodStatus`)."""
    return _projected(status, burn_rate(store, keys, spec.key if spec.scope == "project" else None,
                                        spec.key if spec.scope == "client" else None, now), now)


def budget_periods(
    store: EventStore, spec: BudgetSpec, keys: Sequence[str] | None, now: datetime,
    run_cost: Callable[[], float | None] | None = None, burn: BurnOf | None = None, *, with_burn: bool = True,
) -> BudgetStatus:
    """The status of every limit a spec sets, at `now` (keys None means the spec's project or client). The burn rate
    comes from `burn` (a `BurnRates`; default: read now); `with_burn` False leaves it and what follows from it out
    (ingest needs them only for an alert it fires)."""
    project = spec.key if spec.scope == "project" else None
    client = spec.key if spec.scope == "client" else None
    periods: list[PeriodStatus] = []
    if run_cost is not None and spec.per_run_usd is not None:
        cost = run_cost()
        if cost is not None:
            periods.append(_status("run", cost, spec.per_run_usd))
    if spec.hourly_usd is not None and client is None:
        minute = to_us(now) // 60_000_000
        spent = store.minute_spend(keys, project, minute - 59, minute + 1)
        periods.append(_status("hour", spent, spec.hourly_usd))
    calendar = []
    if spec.daily_usd is not None:
        start = day_start(now)
        calendar.append(_status("day", spend_in(store, keys, project, start, now, client), spec.daily_usd, start,
                                start + _DAY))
    if spec.monthly_usd is not None:
        start = month_start(now)
        calendar.append(_status("month", spend_in(store, keys, project, start, now, client), spec.monthly_usd,
                                start, next_month_start(now)))
    if with_burn and calendar:
        rate = (burn or functools.partial(burn_rate, store))(keys, project, client, now)
        calendar = [_projected(status, rate, now) for status in calendar]
    periods += calendar
    return BudgetStatus(spec.scope, spec.key, periods, spec.label)
