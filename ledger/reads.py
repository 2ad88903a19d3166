"""The ledger's read side (a part of `Ledger`): run-rate, spend series and summaries, unattributed and unpriced
spend, budget status, the allowance check, and runs. Everything reads rollups and running totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from .attribution import Attribution
from .budget_alerts import LEVEL_WORDS
from .budgets import (
    AgentPause,
    Allowance,
    BudgetStatus,
    BurnRates,
    Hold,
    budget_periods,
    holds,
    pause_stage,
    pauses,
)
from .results import RunDistribution, RunView, SpendPoint, SpendSummary, UnattributedName, UnpricedModel
from .rollups import AGG_COUNTED, AGG_SHADOWED, PER_CALL
from .runrate import BY, RunRate, baseline_span, rank
from .runs import RunRecord, percentile
from .series import GroupedSpend, HourlySeries
from .store import EventStore
from .timeutil import HOUR_US, from_us, to_us

__all__ = ["Reads"]

_COUNTED = (PER_CALL, AGG_COUNTED)
_RATE = ("cost", "unpriced", "calls", "runs", "input_tokens", "output_tokens", "retries", "errors")  # what rank reads
_DIM_BY = {"model": "model", "provider": "provider", "client": "client", "project": "project", "kind": "kind"}


def _hour(hour: int) -> datetime:
    return from_us(hour * HOUR_US)


def _span(window: timedelta, now: datetime) -> tuple[int, int]:
    """[first_hour, end_hour) of a window ending at `now` rounded up to the hour."""
    end = -(-to_us(now) // HOUR_US)
    return end - int(window.total_seconds() // 3600), end


def _hold_reason(hold: Hold) -> str:
    """Why an allowance is denied: the budget, its use, and the stage that pauses the agent.

    >>> print(_hold_reason(Hold("agent", "a", "day", 0.9, "normal", 92.0, 9.2, 10.0, None)))
    agent a day budget at 92%: $9.20 of $10.00; from 90% it pauses every agent that is not critical
    """
    used = "exhausted" if hold.used_pct + 1e-9 >= 100 else f"at {hold.used_pct:.0f}%"
    return (f"{hold.scope} {hold.key} {hold.period} budget {used}: ${hold.spent:,.2f} of ${hold.limit:,.2f}; "
            f"from {hold.stage:.0%} it pauses {LEVEL_WORDS[hold.level]}")


class Reads:
    """Questions over one store, attributing agent keys to nodes through the ledger's `Attribution`."""

    def __init__(self, store: EventStore, attribution: Attribution, clock: Callable[[], datetime]) -> None:
        self.store = store
        self._at = attribution
        self.clock = clock
        self.burn = BurnRates(store)  # the ledger calls `burn.changed()` after each ingest commit

    def run_rate(self, window: timedelta, by: str = "agent", now: datetime | None = None,
                 group_of: Callable[[str], Sequence[str]] | None = None, *, project: str | None = None,
                 client: str | None = None, model: str | None = None) -> RunRate:
        """Ranked run-rate per `by` over `window` ending at `now`, with change against its baseline (`baseline_span`).

        For `owner`/`team`, `group_of(node_id)` gives the groups an agent's spend counts under. Spend of agents no
        note carries is the unattributed row in every grouping (by model too), so it reads the same in each. With
        `project`, `client` or `model`, only that slice of the spend, its baseline included (`grouped_spend` alike).
        """
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
        if by in ("owner", "team") and group_of is None:
            raise ValueError(f"by={by!r} needs group_of")
        now = now or self.clock()
        first, end = _span(window, now)
        base_first, base_end = baseline_span(first, end)
        only = {"project": project, "client": client, "model": model}
        sliced = any(v is not None for v in only.values())
        slim = by not in _DIM_BY and not sliced  # the agent tables carry no project, client or model
        cols = ("agent_key",) if by not in _DIM_BY else ("agent_key", _DIM_BY[by])
        current = self.store.rollup_sum(cols, first, end, slim=slim, aggs=_COUNTED, measures=_RATE, **only)
        baseline = self.store.rollup_sum(cols, base_first, base_end, slim=slim, aggs=_COUNTED, measures=("cost",),
                                         **only)
        shadow = self.store.rollup_sum((), first, end, slim=not sliced, aggs=(AGG_SHADOWED,), measures=("cost",),
                                       **only) if self.store.any_shadowed() else []
        groups = self._grouping(by, group_of)
        start = self._data_start(base_first, end)
        return rank(by, current, baseline, groups, (_hour(first), _hour(end)), (_hour(base_first), _hour(base_end)),
                    shadow[0][0] if shadow else 0.0,
                    data_since=_hour(start) if start is not None and start > first else None,
                    baseline_covered=start is None or start <= base_first)

    def _grouping(self, by: str, group_of: Callable[[str], Sequence[str]] | None
                  ) -> Callable[[tuple], Sequence[str | None]]:
        """The groups a rollup key (agent_key, then the `by` dimension unless slim) counts under: its node by agent,
        the dimension's value by model, client, project...; `group_of(node)` by owner or team. None: unattributed."""
        slim = by not in _DIM_BY

        def groups(key: tuple) -> Sequence[str | None]:
            node = self._at.node(key[0])
            if node is None or by == "agent":
                return [node]
            if not slim:
                return [key[1] or "(none)"]
            return list(group_of(node)) or ["(no owner)"]  # type: ignore[misc]

        return groups

    def grouped_spend(self, since: datetime, until: datetime, by: str = "agent", bucket: str = "day",
                      group_of: Callable[[str], Sequence[str]] | None = None, *, project: str | None = None,
                      client: str | None = None, model: str | None = None,
                      part: tuple[datetime, datetime] | None = None,
                      onto: Mapping[str | None, Sequence[float]] | None = None) -> GroupedSpend:
        """Cost per hour or day from `since` (down to its hour) to `until` (up to its hour), per `by` group as
        `run_rate` groups it (an agent under n owners counts 1/n under each), zeros included; only one project's,
        client's or model's spend when named (a project's page: its spend by agent).

        With `part` (bucket-aligned, within the span), only the rollups of those hours are read, added onto copies
        of `onto`'s buckets (the rest of the span, read before): a bucket's cost is summed from the same rows in the
        same order as when the whole span is read, so the figures are the same to the last bit."""
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
        if bucket not in ("hour", "day"):
            raise ValueError("bucket must be 'hour' or 'day'")
        first, end = to_us(since) // HOUR_US, -(-to_us(until) // HOUR_US)
        read_first, read_end = (first, end) if part is None else (to_us(part[0]) // HOUR_US,
                                                                 -(-to_us(part[1]) // HOUR_US))
        # the agent tables carry no project, client or model
        slim = by not in _DIM_BY and project is None and client is None and model is None
        cols = ("agent_key",) if by not in _DIM_BY else ("agent_key", _DIM_BY[by])
        rows = self.store.rollup_sum(cols, read_first, read_end, slim=slim, aggs=_COUNTED, bucket=bucket,
                                     measures=("cost",), project=project, client=client, model=model) \
            if read_first < read_end else []
        lo, hi = (first, end) if bucket == "hour" else (first // 24, -(-end // 24))
        step = HOUR_US if bucket == "hour" else 24 * HOUR_US
        groups = self._grouping(by, group_of)
        costs: dict[str | None, list[float]] = {group: list(values) for group, values in (onto or {}).items()}
        for b, *key_and_measures in rows:
            key, cost = tuple(key_and_measures[:len(cols)]), key_and_measures[len(cols)]
            owners = groups(key)
            for group in owners:
                costs.setdefault(group, [0.0] * (hi - lo))[b - lo] += cost / len(owners)
        return GroupedSpend(by, bucket, _hour(first), _hour(end), [from_us(b * step) for b in range(lo, hi)], costs)

    def _data_start(self, first: int, end: int) -> int | None:
        """The first hour with spend in [first, end) when the store holds none before `first` (None: it does, so the
        data covers [first, end); or there is no spend in it)."""
        start = self.store.first_hour(_COUNTED)
        return start if start is not None and first <= start < end else None

    def spend_series(self, node_id: str, window: timedelta, bucket: str = "hour",
                     now: datetime | None = None) -> list[SpendPoint]:
        """A node's spend per hour or day over `window`, zeros included."""
        if bucket not in ("hour", "day"):
            raise ValueError("bucket must be 'hour' or 'day'")
        first, end = _span(window, now or self.clock())
        keys = self._at.keys_of([node_id])
        rows = self.store.rollup_sum((), first, end, slim=True, aggs=_COUNTED, agent_keys=keys, bucket=bucket) \
            if keys else []
        found = {r[0]: r for r in rows}
        step = 1 if bucket == "hour" else 24
        start = first if bucket == "hour" else first // 24
        stop = end if bucket == "hour" else -(-end // 24)
        points = []
        for b in range(start, stop):
            r = found.get(b)
            points.append(SpendPoint(from_us(b * step * HOUR_US), r[1] if r else 0.0, int(r[3]) if r else 0,
                                     int(r[4]) if r else 0, int(r[2]) if r else 0))
        return points

    def spend_summary(self, node_ids: Sequence[str], window: timedelta,
                      now: datetime | None = None) -> dict[str, SpendSummary]:
        """Spend of many nodes over one window, in one query."""
        first, end = _span(window, now or self.clock())
        wanted = set(node_ids)
        totals: dict[str, list[float]] = {n: [0.0] * 11 for n in node_ids}
        keys = self._at.keys_of(node_ids)
        for row in self.store.rollup_sum(("agent_key",), first, end, slim=True, aggs=_COUNTED, agent_keys=keys) \
                if keys else []:
            node = self._at.node(row[0])
            if node in wanted:
                totals[node] = [a + b for a, b in zip(totals[node], row[1:], strict=True)]
        days = (end - first) / 24
        return {n: SpendSummary(n, m[0], int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[1]), m[0] / days)
                for n, m in totals.items()}

    def hourly_series(self, node_ids: Sequence[str], since: datetime, until: datetime,
                      units: Mapping[str, str] | None = None) -> dict[str, HourlySeries]:
        """Per node, the hourly rollup from `since` to `until` (hours starting before `until`), model mix included,
        and its outcomes per hour: those named `units[node]` (its note's unit of work), else all of them."""
        first, end = to_us(since) // HOUR_US, -(-to_us(until) // HOUR_US)
        n = max(end - first, 0)
        keys = self._at.keys_of(node_ids)
        rows = self.store.rollup_sum(("agent_key", "model"), first, end, slim=False, aggs=_COUNTED,
                                     agent_keys=keys, bucket="hour") if keys else []
        data = {node: {name: [0.0] * n for name in ("cost", "runs", "calls", "in", "out", "retries")}
                for node in node_ids}
        models: dict[str, dict[str, list[float]]] = {node: defaultdict(lambda: [0.0] * n) for node in node_ids}
        for hour, key, model, *m in rows:
            node = self._at.node(key)
            if node not in data:
                continue
            i = hour - first
            series = data[node]
            for name, value in (("cost", m[0]), ("runs", m[3]), ("calls", m[2]), ("in", m[4]), ("out", m[5]),
                                ("retries", m[9])):
                series[name][i] += value
            models[node][model or "(none)"][i] += m[0]
        outcomes: dict[str, list[float]] = {}
        for key, name, hour, count in self.store.outcome_hours(keys, first * HOUR_US, end * HOUR_US) if keys else []:
            node = self._at.node(key)
            if node in data and (units is None or units.get(node, name) == name):
                outcomes.setdefault(node, [0.0] * n)[hour - first] += count
        start = from_us(first * HOUR_US)
        return {
            node: HourlySeries(node, start, s["cost"], s["runs"], s["calls"], s["in"], s["out"], s["retries"],
                               dict(models[node]), outcomes.get(node, []))
            for node, s in data.items()
        }

    def unattributed(self, window: timedelta, now: datetime | None = None) -> list[UnattributedName]:
        """Agent names that resolve to no node, with their spend over the window (largest first)."""
        first, end = _span(window, now or self.clock())
        names = self.store.agent_names()
        out = [
            UnattributedName(names.get(r[0], r[0]), r[1], int(r[3]), int(r[4]))
            for r in self.store.rollup_sum(("agent_key",), first, end, slim=True, aggs=_COUNTED)
            if self._at.node(r[0], names.get(r[0])) is None
        ]
        return sorted(out, key=lambda u: (-u.cost_usd, u.name))

    def unpriced(self, window: timedelta, now: datetime | None = None) -> list[UnpricedModel]:
        """Models with unpriced events over the window, with the tokens of those models' rollups."""
        first, end = _span(window, now or self.clock())
        rows = self.store.rollup_sum(("model", "provider"), first, end, slim=False, aggs=_COUNTED)
        return [UnpricedModel(r[0], r[1] or None, int(r[3]), int(r[6]), int(r[7]), int(r[8]), int(r[9]))
                for r in sorted(rows) if r[3] > 0]

    def budget_status(self, now: datetime | None = None) -> list[BudgetStatus]:
        """Every configured budget's spend, limit and use per period."""
        now = now or self.clock()
        return [budget_periods(self.store, s, self._at.spec_keys(s), now, burn=self.burn)
                for s in self._at.budgets]

    def allowance(self, node_id: str, run_id: str | None = None, now: datetime | None = None,
                  project: str | None = None, client: str | None = None) -> Allowance:
        """May `node_id` spend now? Checks its run, hourly, daily and monthly budgets, its owners', and the project's
        and client's it names (or its run carries); denies when a pause stage of one of them covers the agent's
        criticality, naming the budget and the stage."""
        now = now or self.clock()
        run = self._run(node_id, run_id) if run_id else None
        project = project or (run.project if run else None)
        client = client or (run.client if run else None)
        criticality = self._at.criticality_of(node_id)
        checks: list[BudgetStatus] = []
        held: list[Hold] = []
        for spec in self._at.budgets:
            if self._at.covers(spec, node_id, project, client):
                run_cost = (lambda: run.cost if run else 0.0) if run_id and spec.scope in ("agent", "owner") else None
                status = budget_periods(self.store, spec, self._at.spec_keys(spec), now, run_cost, self.burn)
                checks.append(status)
                held += holds(spec, status, criticality)
        worst = min(((p.remaining, c, p) for c in checks for p in c.periods), default=None, key=lambda x: x[0])
        remaining = None if worst is None else worst[0]
        if held:
            held.sort(key=lambda h: h.severity, reverse=True)
            return Allowance(False, node_id, _hold_reason(held[0]), remaining, checks, criticality, held)
        if worst is None:
            return Allowance(True, node_id, "no budget applies", None, checks, criticality)
        _, check, period = worst
        where = f"{check.scope} {check.key} {period.period}"
        if period.remaining <= 0:
            reason = f"{where} budget exhausted, but its pause policy does not pause {criticality} agents"
        else:
            reason = f"within budget; tightest is {where}"
        return Allowance(True, node_id, reason, remaining, checks, criticality)

    def pauses(self, now: datetime | None = None) -> list[AgentPause]:
        """Every agent a pause stage holds now, with the stages that hold it (the most severe first), by agent."""
        now = now or self.clock()
        found: dict[str, list[Hold]] = defaultdict(list)
        for spec in self._at.budgets:
            keys = self._at.spec_keys(spec)
            status = budget_periods(self.store, spec, keys, now, burn=self.burn)
            for period in status.periods:
                stage = pause_stage(spec, period)
                if stage is None:
                    continue
                agents = self._spenders(spec.scope, spec.key, period.start or now, now) if keys is None else (
                    [spec.key] if spec.scope == "agent" else list(spec.agents))
                for agent in agents:
                    criticality = self._at.criticality_of(agent)
                    if pauses(stage[1], criticality):
                        found[agent] += holds(spec, BudgetStatus(spec.scope, spec.key, [period]), criticality)
        return [AgentPause(agent, self._at.criticality_of(agent), sorted(held, key=lambda h: h.severity,
                                                                         reverse=True))
                for agent, held in sorted(found.items())]

    def _spenders(self, scope: str, key: str, start: datetime, now: datetime) -> list[str]:
        """The agents (node ids) that spent on a project or client since `start`."""
        rows = self.store.rollup_sum(("agent_key",), to_us(start) // HOUR_US, to_us(now) // HOUR_US + 1, slim=False,
                                     aggs=_COUNTED, measures=("cost",), project=key if scope == "project" else None,
                                     client=key if scope == "client" else None)
        return sorted({node for row in rows if row[1] and (node := self._at.node(row[0])) is not None})

    def _run(self, node_id: str, run_id: str) -> RunRecord | None:
        found = self.store.get_runs([(k, run_id) for k in self._at.keys_of([node_id])])
        return max(found.values(), key=lambda r: r.last_ts) if found else None

    def runs(self, node_id: str | None = None, since: datetime | None = None, top: int | None = None,
             flagged: bool | None = None) -> list[RunView]:
        """Runs (newest first, or the `top` most expensive), of one node or all, active since `since`."""
        keys = None if node_id is None else self._at.keys_of([node_id])
        if keys == []:
            return []
        records = self.store.query_runs(keys, None if since is None else to_us(since), top, flagged)
        return [self._view(r) for r in records]

    def _view(self, r: RunRecord) -> RunView:
        names = self.store.agent_names()
        note = "made only of aggregate usage rows: no per-run figures" if r.aggregate_only else None
        return RunView(
            names.get(r.agent_key, r.agent_key), self._at.node(r.agent_key), r.run_id, from_us(r.first_ts),
            from_us(r.last_ts), r.calls, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens,
            r.reasoning_tokens, r.cost, r.unpriced, r.tool_cost, r.retrieval_cost, r.retries, r.errors,
            list(r.models), r.client, r.project, r.task, list(r.flags), r.aggregate_only, note,
        )

    def run_cost_distribution(self, node_id: str, window: timedelta, now: datetime | None = None) -> RunDistribution:
        """Median, p90 and p99 of the node's run costs for runs started within the window."""
        since = to_us(now or self.clock()) - int(window.total_seconds() * 1_000_000)
        keys = self._at.keys_of([node_id])
        costs = self.store.run_costs(keys, since, None) if keys else []
        if not costs:
            return RunDistribution(node_id, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
        return RunDistribution(node_id, len(costs), percentile(costs, 0.5), percentile(costs, 0.9),
                               percentile(costs, 0.99), sum(costs) / len(costs), max(costs))
