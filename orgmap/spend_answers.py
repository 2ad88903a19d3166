"""The spend questions of the service: run-rate, series, changes, unattributed spend, budgets, allowance, runs,
alerts; and the spend figures graph answers show beside nodes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from graph import queries
from ledger import BudgetStatus, RunRate, RunRateRow, RunView
from orgmap.answer_types import (
    AlertsAnswer,
    AllowanceAnswer,
    BudgetsAnswer,
    ChangesAnswer,
    OutcomeFigures,
    PausedAgent,
    PausesAnswer,
    RunCosts,
    RunItem,
    RunRateAnswer,
    RunRateItem,
    RunsAnswer,
    SpendGroup,
    SpendOverTime,
    SpendSeries,
    UnattributedAnswer,
)
from orgmap.arguments import ALERT_KINDS, BUCKETS, BY, KEYSET_CURSOR_PATTERN, text_arguments
from orgmap.errors import InvalidArgument
from orgmap.nodes import node_ref, resolve, resolve_agent
from orgmap.paging import page, parse_window
from orgmap.rounding import cents, cents_adding_up
from orgmap.series_memo import SeriesMemo
from orgmap.time_range import time_range
from orgmap.wording import money

if TYPE_CHECKING:
    import networkx as nx

    from graph import CompanyGraph
    from ledger import Ledger
    from orgmap.answer_types import AnomalyPointer, NodeRef

__all__ = ["SpendAnswers"]

UNATTRIBUTED = "(unattributed)"
# The open anomaly of each of these agents (over a window): `AnomalyAnswers.open_pointers`.
OpenAnomalies = Callable[[list[str], timedelta], "Mapping[str, AnomalyPointer]"]
_CHANGE_CURSOR = re.compile(KEYSET_CURSOR_PATTERN)
_MOST_HOURS = 93 * 24  # hourly buckets of a quarter at most (2,232 points per group)


def _group_name(g: nx.MultiDiGraph, group: str | None) -> str:
    """A group's display name: a node's name, a model's (or client's...) own; None is the unattributed group."""
    if group is None:
        return UNATTRIBUTED
    return str(g.nodes[group].get("name", group)) if group in g else group


def _rate_name(g: nx.MultiDiGraph, row: RunRateRow) -> str:
    return _group_name(g, row.key if row.attributed else None)


def _adding_up(rows: Sequence[RunRateRow], measure: Callable[[RunRateRow], float], total: float) -> list[float]:
    """Each row's `measure` to the cent, the rows adding up to `total` to the cent. The unattributed row keeps its
    own nearest cent (the named rows absorb the rounding), so it reads the same in every grouping."""
    unattributed = cents(sum(measure(r) for r in rows if not r.attributed))
    named = iter(cents_adding_up([measure(r) for r in rows if r.attributed], total - unattributed))
    return [next(named) if r.attributed else unattributed for r in rows]


def _rate_item(g: nx.MultiDiGraph, row: RunRateRow, by: str, used: Mapping[str, float],
               money_of: tuple[float, float, float], anomaly: AnomalyPointer | None = None,
               outcomes: OutcomeFigures | None = None) -> RunRateItem:
    """One ranked row as the interfaces return it (its owner looked up in the graph for agents, its open anomaly
    when it has one); `money_of` is its cost, cost per day and projected month as rounded to add up (`_adding_up`)."""
    in_graph = row.attributed and row.key in g
    owner = None
    if in_graph and by == "agent":
        found = queries.owners(g, row.key)
        owner = found[0].node if found else None
    cost, per_day, month = money_of
    return RunRateItem(
        key=row.key if row.attributed else UNATTRIBUTED, name=_rate_name(g, row),
        kind=g.nodes[row.key].get("kind") if in_graph else None, attributed=row.attributed,
        cost_usd=cost, cost_per_day=per_day, runs_per_day=round(row.runs_per_day, 3),
        cost_per_1k_runs=row.cost_per_1k_runs,
        tokens_per_run=None if row.tokens_per_run is None else round(row.tokens_per_run, 1),
        projected_month=month, baseline_cost_per_day=row.baseline_cost_per_day,
        change_pct=None if row.change_pct is None else round(row.change_pct, 1),
        budget_used_pct=used.get(row.key), owner=owner, unpriced_events=row.unpriced, anomaly=anomaly,
        outcomes=outcomes)


def outcome_figures(unit: object, counts: Mapping[str, tuple[int, float, int]] | None, cost: float,
                    days: float) -> OutcomeFigures | None:
    """An agent's outcomes beside its `cost` over `days`: the outcome its note names as its unit (`unit`), else the
    one it reports most; None when it reports none of it.

    >>> f = outcome_figures("ticket_resolved", {"ticket_resolved": (40, 200.0, 40), "escalated": (5, 0.0, 0)}, 20, 2)
    >>> f.outcomes, f.outcomes_per_day, f.cost_per_outcome, f.return_on_spend, f.other_outcomes
    (40, 20.0, 0.5, 10.0, {'escalated': 5})
    """
    if not counts:
        return None
    name = unit if isinstance(unit, str) and unit in counts else max(counts, key=lambda n: (counts[n][0], n))
    if isinstance(unit, str) and unit not in counts:
        return None  # the note names its unit and none was delivered: other outcomes are no stand-in
    count, value, valued = counts[name]
    return OutcomeFigures(outcome=name, outcomes=count, outcomes_per_day=round(count / days, 3),
                          cost_per_outcome=cost / count if cost > 0 else None,
                          value_usd=value if valued else None,
                          return_on_spend=round(value / cost, 3) if valued and cost > 0 else None,
                          other_outcomes={n: c[0] for n, c in sorted(counts.items()) if n != name})


def spend_filters(model: str | None = None, client: str | None = None, project: str | None = None) -> dict[str, str]:
    """The slice a spend question is narrowed to: each filter named (an empty one is no filter); InvalidArgument
    naming a filter that is no text a store can look up.

    >>> spend_filters(model="gpt-4o", client="", project=None)
    {'model': 'gpt-4o'}
    """
    text_arguments(model=model, client=client, project=project)
    return {k: v for k, v in (("model", model), ("client", client), ("project", project)) if v}


def _slice_words(filters: Mapping[str, str]) -> str:
    """The slice in a summary: `; model gpt-4o, project apollo only`."""
    return f"; {', '.join(f'{k} {v}' for k, v in filters.items())} only" if filters else ""


def _baseline(rate: RunRate, window: str) -> str:
    """What a run-rate's change compares with, in words (`ledger.runrate.baseline_span` is the rule)."""
    if rate.baseline_until < rate.since:
        return f"the same {window} a week earlier"
    return f"the preceding {window}"


def _run_item(g: nx.MultiDiGraph, run: RunView) -> RunItem:
    """A run named by its node (display name), the reported name kept as `agent_key`."""
    name = str(g.nodes[run.node_id].get("name", run.node_id)) if run.node_id in g else run.node_id or run.agent_key
    return RunItem(agent=name, **{f.name: getattr(run, f.name) for f in fields(run)})


def _in_cents(status: BudgetStatus) -> BudgetStatus:
    """A budget's status as answers show it: spend, limit, headroom, burn and projection to the cent, use to a
    hundredth of a percent."""
    return replace(status, periods=[replace(
        p, spent=cents(p.spent), limit=cents(p.limit), remaining=cents(p.remaining), used_pct=round(p.used_pct, 2),
        burn_usd_per_day=None if p.burn_usd_per_day is None else cents(p.burn_usd_per_day),
        projected_usd=None if p.projected_usd is None else cents(p.projected_usd)) for p in status.periods])


_NEVER = datetime.max.replace(tzinfo=UTC)


def _urgency(status: BudgetStatus) -> tuple[datetime, float, str, str]:
    """Budgets most urgent first: the soonest to run out (an exhausted one first), then the most used."""
    out = min((p.runs_out_at for p in status.periods if p.runs_out_at is not None), default=_NEVER)
    return out, -max((p.used_pct for p in status.periods), default=0.0), status.scope, status.key


def _outcome_words(f: OutcomeFigures) -> str:
    """An agent's outcome figures in a clause of a summary."""
    per = f"${f.cost_per_outcome:,g} per {f.outcome}" if f.cost_per_outcome is not None else "no cost yet"
    back = f", {f.return_on_spend:g}x return on spend" if f.return_on_spend is not None else ""
    return f"; {f.outcomes:,} {f.outcome} ({f.outcomes_per_day:g}/day): {per}{back}"


class SpendAnswers:
    """Questions over the ledger, kept in step with the graph by `ledger` (a `LedgerInStep`)."""

    def __init__(self, graph: CompanyGraph, ledger: Callable[[], Ledger], clock: Callable[[], datetime]) -> None:
        self.graph = graph
        self.ledger = ledger
        self.clock = clock
        self.series = SeriesMemo()  # the past of `spend_over_time`'s series

    # -- helpers other answers use ----------------------------------------------------------------------------

    def cost_per_day(self, node_ids: Sequence[str], window: timedelta) -> dict[str, float]:
        """Cost per day of each node with spend over the window (nodes without spend are left out)."""
        if not node_ids:
            return {}
        found = self.ledger().spend_summary(node_ids, window, now=self.clock())
        return {n: round(s.cost_per_day, 6) for n, s in found.items() if s.calls}

    def spend_brief(self, node: str) -> dict[str, Any] | None:
        """A node's 7-day spend in a few figures (None when it has none)."""
        summary = self.ledger().spend_summary([node], timedelta(days=7), now=self.clock()).get(node)
        if summary is None or not summary.calls:
            return None
        brief = {"window": "7d", "cost_usd": cents(summary.cost_usd), "cost_per_day": cents(summary.cost_per_day),
                 "runs": summary.runs, "calls": summary.calls, "unpriced_events": summary.unpriced}
        outcomes = self.outcomes_of(node, timedelta(days=7), summary.cost_usd)
        if outcomes is not None:
            brief["outcomes"] = outcomes.model_dump(mode="json")
        return brief

    def group_of(self, by: str) -> Callable[[str], Sequence[str]] | None:
        """For `owner` or `team`: node -> the groups its spend counts under (None for other groupings)."""
        if by not in ("owner", "team"):
            return None
        with self.graph.read() as g:
            kinds = dict(g.nodes(data="kind"))
            table: dict[str, list[str]] = {}
            for node in g.nodes:
                found = queries.owners(g, node)
                if by == "owner":
                    table[node] = [o.node for o in found]
                else:
                    teams = [o.node for o in found if kinds.get(o.node) == "team"]
                    teams += [t for o in found for t in o.teams]
                    table[node] = list(dict.fromkeys(teams))
        return lambda node: table.get(node, [])

    def _monthly_used(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for status in self.ledger().budget_status(now=self.clock()):
            for period in status.periods:
                if period.period == "month":
                    used[status.key] = round(period.used_pct, 2)
        return used

    # -- questions --------------------------------------------------------------------------------------------

    def run_rate(self, window: str = "7d", by: str = "agent", limit: int = 20, cursor: str | None = None,
                 anomalies: OpenAnomalies | None = None, since: datetime | str | None = None,
                 until: datetime | str | None = None, *, model: str | None = None, client: str | None = None,
                 project: str | None = None) -> RunRateAnswer:
        """Ranked run-rate over `window` (or from `since` to `until`: `time_range`): cost/day, runs/day, cost per
        1,000 runs, tokens per run, projected month, change against the baseline, budget used; grouped by agent,
        owner, team, model, provider, client, project or kind. The rows add up to the totals to the cent, the
        unattributed row included. By agent, with `anomalies`, each row of the page points at its agent's open
        anomaly (one call for the page's agents). With `model`, `client` or `project`, every figure is of that slice
        of the spend (its baseline too): a row is its group's spend on that model, for that client, on that project;
        budget use and anomalies stay the agent's own, and outcomes, which carry no model, client or project, are
        left out."""
        if by not in BY:
            raise InvalidArgument(f"by must be one of {', '.join(BY)}; got {by!r}", field="by")
        span = time_range(window, since, until, self.clock())
        window = window if span.label == window else f"{span.hours}h"
        filters = spend_filters(model, client, project)
        rate = self.ledger().run_rate(span.window, by=by, now=span.until, group_of=self.group_of(by), **filters)
        used = self._monthly_used()
        figures = list(zip(_adding_up(rate.rows, lambda r: r.cost, rate.total_cost),
                           _adding_up(rate.rows, lambda r: r.cost_per_day, rate.total_cost_per_day),
                           _adding_up(rate.rows, lambda r: r.projected_month, rate.projected_month), strict=True))
        rows, nxt = page(list(zip(rate.rows, figures, strict=True)), limit, cursor)  # owners: for the page only
        pointers: Mapping[str, AnomalyPointer] = {}
        if by == "agent" and anomalies is not None:
            with self.graph.read() as g:
                agents = [row.key for row, _ in rows if row.attributed and g.nodes.get(row.key, {}).get("kind")
                          == "agent"]
            pointers = anomalies(agents, span.window)
        done = self.ledger().outcomes(rate.since, rate.until) if by == "agent" and not filters else {}
        with self.graph.read() as g:
            chunk = [_rate_item(g, row, by, used, money_of, pointers.get(row.key),
                                outcome_figures(g.nodes[row.key].get("outcome"), done.get(row.key), row.cost, rate.days)
                                if row.attributed and row.key in g else None)
                     for row, money_of in rows]
            top = ", ".join(f"{_rate_name(g, row)} {money(per_day)}/day"
                            for row, (_, per_day, _) in zip(rate.rows[:3], figures, strict=False))
        start = rate.data_since or rate.since
        covered = round((rate.until - start).total_seconds() / 86400, 1)
        summary = (f"{money(rate.total_cost_per_day)}/day over {span.label} (a {rate.projected_month_days}-day month: "
                   f"{money(rate.projected_month)}) across {len(rate.rows)} {by} groups" + _slice_words(filters)
                   + (f"; top: {top}" if top else "")
                   + (f"; {len(pointers)} of these agents have an open anomaly (each row's `anomaly`)"
                      if pointers else "")
                   + (f"; {money(rate.unattributed_cost)} unattributed" if rate.unattributed_cost else "")
                   + (f"; only {covered:g} days of data (since {start:%Y-%m-%d %H:%M} UTC)" if rate.data_since else ""))
        return RunRateAnswer(summary=summary, window=window, by=by, since=rate.since, until=rate.until,
                             total=len(rate.rows), total_cost_usd=rate.total_cost,
                             total_cost_per_day=rate.total_cost_per_day, projected_month=rate.projected_month,
                             projected_month_days=rate.projected_month_days,
                             unattributed_cost_usd=rate.unattributed_cost,
                             unattributed_cost_per_day=rate.unattributed_cost / rate.days,
                             shadowed_aggregate_cost_usd=rate.shadowed_aggregate_cost, baseline=_baseline(rate, window),
                             baseline_since=rate.baseline_since, baseline_until=rate.baseline_until,
                             data_since=rate.data_since, covered_days=covered, filters=filters, items=chunk,
                             next_cursor=nxt)

    def spend_over_time(self, window: str = "7d", by: str = "agent", bucket: str = "day",
                        since: datetime | str | None = None, until: datetime | str | None = None, *,
                        project: str | None = None, client: str | None = None,
                        model: str | None = None) -> SpendOverTime:
        """Spend per hour or day over `window` (or from `since` to `until`), one series per `by` group, grouped and
        rounded as `run_rate` over the same span: each group's `cost_usd` is its ranked row's, and its buckets add up
        to it to the cent. Groups come highest cost first, the unattributed one included. Hours over more than 93
        days are given as days (the answer's `bucket`). With `project`, `client` or `model`, only that slice of the
        spend, as `run_rate` narrows it: by agent, a project's groups add up to its row by project. The complete
        buckets are kept between questions until a write or a vault edit can change them, the present one is read
        each time (`SeriesMemo`)."""
        if by not in BY:
            raise InvalidArgument(f"by must be one of {', '.join(BY)}; got {by!r}", field="by")
        if bucket not in BUCKETS:
            raise InvalidArgument("bucket must be 'hour' or 'day'", field="bucket")
        now = self.clock()
        span = time_range(window, since, until, now)
        if bucket == "hour" and span.hours > _MOST_HOURS:
            bucket = "day"  # the answer says which it gave
        filters = spend_filters(model, client, project)
        revision = self.graph.revision  # read before the grouping: `SeriesMemo`
        found = self.series.grouped_spend(self.ledger(), revision, now, span.since, span.until, by, bucket,
                                          self.group_of(by), filters)
        totals = {group: sum(values) for group, values in found.costs.items()}
        order = sorted(totals, key=lambda group: (-totals[group], UNATTRIBUTED if group is None else group))
        named = cents_adding_up([totals[g] for g in order if g is not None],
                                sum(totals.values()) - totals.get(None, 0.0))
        costs = iter(named)
        total = cents(sum(totals.values()))
        with self.graph.read() as g:
            groups = []
            for group in order:
                cost = cents(totals[group]) if group is None else next(costs)
                groups.append(SpendGroup(key=group or UNATTRIBUTED, name=_group_name(g, group),
                                         attributed=group is not None,
                                         kind=g.nodes[group].get("kind") if group in g else None, cost_usd=cost,
                                         values=cents_adding_up(found.costs[group], cost)))
        shown = window if span.label == window else f"{span.hours}h"
        top = ", ".join(f"{s.name} {money(s.cost_usd)}" for s in groups[:3])
        summary = (f"{money(total)} over {span.label} in {len(found.starts)} {bucket}s across {len(groups)} {by} "
                   f"groups" + _slice_words(filters) + (f"; top: {top}" if top else ""))
        return SpendOverTime(summary=summary, window=shown, by=by, bucket=bucket, since=span.since, until=span.until,
                             total_cost_usd=total, starts=found.starts, filters=filters, groups=groups)

    def _agent_ref(self, name: str) -> NodeRef:
        node = resolve_agent(self.graph, name, field="agent")
        with self.graph.read() as g:
            return node_ref(g, node)

    def spend(self, agent: str, window: str = "7d", bucket: str = "day") -> SpendSeries:
        """One agent's spend per hour or day over the window."""
        if bucket not in BUCKETS:
            raise InvalidArgument("bucket must be 'hour' or 'day'", field="bucket")
        ref = self._agent_ref(agent)
        raw = self.ledger().spend_series(ref.id, parse_window(window), bucket=bucket, now=self.clock())
        total = cents(sum(p.cost_usd for p in raw))
        points = [replace(p, cost_usd=c) for p, c in zip(raw, cents_adding_up([p.cost_usd for p in raw], total),
                                                           strict=True)]
        peak = max(points, key=lambda p: p.cost_usd, default=None)
        outcomes = self.outcomes_of(ref.id, parse_window(window), sum(p.cost_usd for p in raw))
        summary = f"{ref.name} spent {money(total)} over {window}"
        if peak and peak.cost_usd:
            summary += f"; peak {bucket} {peak.start:%Y-%m-%d %H:%M} UTC at {money(peak.cost_usd)}"
        if outcomes is not None:
            summary += _outcome_words(outcomes)
        return SpendSeries(summary=summary, agent=ref, window=window, bucket=bucket, total_cost_usd=total,
                           points=points, outcomes=outcomes)

    def outcomes_of(self, node: str, window: timedelta, cost: float) -> OutcomeFigures | None:
        """A node's outcome figures over the `window` ending now, beside its `cost` over it."""
        now = self.clock()
        done = self.ledger().outcomes(now - window, now).get(node)
        with self.graph.read() as g:
            unit = g.nodes[node].get("outcome") if node in g else None
        return outcome_figures(unit, done, cost, window.total_seconds() / 86400)

    def changes(self, target: str | None = None, since: str = "30d", kind: str | None = None, limit: int = 20,
                cursor: str | None = None) -> ChangesAnswer:
        """Change events newest first, for one node or all, over `since`."""
        targets = [resolve(self.graph, target, field="target")] if target else None
        text_arguments(kind=kind, cursor=cursor)
        if cursor and not _CHANGE_CURSOR.match(cursor):
            raise InvalidArgument(f"cursor {cursor!r} is not one this server gave out", field="cursor")
        start = self.clock() - parse_window(since, field="since")
        found = self.ledger().changes(targets=targets, since=start, kinds=[kind] if kind else None, limit=limit,
                                    cursor=cursor)
        what = f" on {targets[0]}" if targets else ""
        more = " (more with the cursor)" if found.next_cursor else ""
        return ChangesAnswer(summary=f"{len(found.items)} changes{what} over {since}{more}", items=found.items,
                             next_cursor=found.next_cursor)

    def unattributed(self, window: str = "7d", limit: int = 20, cursor: str | None = None) -> UnattributedAnswer:
        """Spend under agent names that match no note: add each as an `aliases` or `cost_keys` entry to attribute."""
        span = parse_window(window)
        raw = self.ledger().unattributed(span, now=self.clock())
        total = cents(sum(n.cost_usd for n in raw))
        names = [replace(n, cost_usd=c) for n, c in zip(raw, cents_adding_up([n.cost_usd for n in raw], total),
                                                         strict=True)]
        unpriced = self.ledger().unpriced(span, now=self.clock())
        chunk, nxt = page(names, limit, cursor)
        summary = f"{money(total)} over {window} under {len(names)} unattributed names"
        if unpriced:
            summary += f"; {len(unpriced)} unpriced models: {', '.join(u.model for u in unpriced[:5])}"
        return UnattributedAnswer(summary=summary, window=window, total_cost_usd=total, items=chunk,
                                  unpriced=unpriced, next_cursor=nxt)

    def budgets(self, limit: int = 20, cursor: str | None = None) -> BudgetsAnswer:
        """Every budget (agent, owner, project, client) against its limits, most urgent first (the soonest to run
        out at its burn rate, then the most used), and the 5 latest alerts of the last 7 days (all: `alerts`)."""
        now = self.clock()
        found = [_in_cents(s) for s in self.ledger().budget_status(now=now)]
        found.sort(key=_urgency)
        recent = self.ledger().alerts(since=now - timedelta(days=7), kind="budget")
        over = [s.key for s in found if any(p.used_pct >= 100 for p in s.periods)]
        soon = [(s, p) for s in found for p in s.periods if p.runs_out_at is not None and p.remaining > 0]
        chunk, nxt = page(found, limit, cursor)
        summary = f"{len(found)} budgets; {len(over)} exhausted" + (f": {', '.join(over[:5])}" if over else "")
        if soon:
            first, period = min(soon, key=lambda sp: sp[1].runs_out_at or _NEVER)
            summary += (f"; {len(soon)} run out before their period ends, first {first.label or first.key} "
                        f"{period.period} on {period.runs_out_at:%Y-%m-%d %H:00} UTC")
        return BudgetsAnswer(summary=f"{summary}; {len(recent)} alerts in 7 days", total=len(found), items=chunk,
                             alerts=recent[::-1][:5], next_cursor=nxt)

    def allowance(self, agent: str, run_id: str | None = None, project: str | None = None,
                  client: str | None = None) -> AllowanceAnswer:
        """May this agent (and this run) spend now? Allow or deny (by the pause stage of a budget that covers the
        agent's criticality) with the reason and what remains."""
        node = resolve_agent(self.graph, agent, field="agent")
        text_arguments(run_id=run_id, project=project, client=client)
        found = self.ledger().allowance(node, run_id=run_id, now=self.clock(), project=project, client=client)
        verdict = "allow" if found.allowed else "deny"
        left = "" if found.remaining is None else f"; ${found.remaining:,.4f} left"
        return AllowanceAnswer(summary=f"{verdict}: {found.reason}{left}", allowed=found.allowed, agent=node,
                               run_id=run_id, reason=found.reason, remaining=found.remaining,
                               checks=[_in_cents(c) for c in found.checks], criticality=found.criticality,
                               held_by=[replace(h, spent=cents(h.spent), limit=cents(h.limit),
                                                used_pct=round(h.used_pct, 2)) for h in found.held_by])

    def pauses(self, agent: str | None = None, limit: int = 20, cursor: str | None = None) -> PausesAnswer:
        """The agents a budget's pause stage holds now (one agent's state with `agent`), each with the stages that
        hold it and when they lift, soonest to lift first."""
        node = resolve_agent(self.graph, agent, field="agent") if agent else None
        found = [p for p in self.ledger().pauses(now=self.clock()) if node is None or p.node_id == node]
        with self.graph.read() as g:
            items = [PausedAgent(
                agent=p.node_id, name=str(g.nodes[p.node_id].get("name", p.node_id)) if p.node_id in g else p.node_id,
                criticality=p.criticality,
                held_by=[replace(h, spent=cents(h.spent), limit=cents(h.limit), used_pct=round(h.used_pct, 2))
                         for h in p.held_by],
                lifts_at=None if any(h.lifts_at is None for h in p.held_by) else max(h.lifts_at for h in p.held_by
                                                                                       if h.lifts_at))
                for p in found]
        items.sort(key=lambda i: (i.lifts_at or _NEVER, i.agent))
        chunk, nxt = page(items, limit, cursor)
        if node is not None and not items:
            summary = f"{node} is not paused"
        else:
            summary = f"{len(items)} agents paused" + "".join(
                f"; {i.name} by {i.held_by[0].scope} {i.held_by[0].key} {i.held_by[0].period} at "
                f"{i.held_by[0].used_pct:.0f}%" + (f" until {i.lifts_at:%Y-%m-%d %H:%M} UTC" if i.lifts_at else "")
                for i in items[:3])
        return PausesAnswer(summary=summary, total=len(items), items=chunk, next_cursor=nxt)

    def runs(self, agent: str | None = None, since: str = "24h", top: int = 20, flagged: bool | None = None,
             cursor: str | None = None) -> RunsAnswer:
        """The most expensive runs over `since` (one agent's or all), with the run-cost distribution of an agent.
        Each run is named by the node its agent resolves to, the reported name kept as `agent_key`."""
        node = resolve_agent(self.graph, agent, field="agent") if agent else None
        span = parse_window(since, field="since")
        found = self.ledger().runs(node, since=self.clock() - span, flagged=flagged)
        found.sort(key=lambda r: -r.cost_usd)
        runs, nxt = page(found, top, cursor)
        with self.graph.read() as g:
            chunk = [_run_item(g, r) for r in runs]
            first = _run_item(g, found[0]) if found else None
        dist = self.ledger().run_cost_distribution(node, span, now=self.clock()) if node else None
        who = f" of {node}" if node else ""
        summary = f"{len(found)} runs{who} over {since}"
        if first:
            summary += f"; most expensive {first.run_id} ({first.agent}) at {money(first.cost_usd)}"
        if dist and dist.runs:
            summary += f"; median run {money(dist.median)}, p99 {money(dist.p99)}"
        return RunsAnswer(summary=summary, total=len(found), items=chunk,
                          distribution=None if dist is None else RunCosts.model_validate(dist, from_attributes=True),
                          next_cursor=nxt)

    def alerts(self, since: str = "7d", kind: str | None = None, limit: int = 20,
               cursor: str | None = None) -> AlertsAnswer:
        """Alerts fired (budget thresholds, runaway runs, anomalies) over `since`, newest first."""
        if kind is not None and kind not in ALERT_KINDS:
            raise InvalidArgument(f"kind must be one of {', '.join(ALERT_KINDS)}; got {kind!r}", field="kind")
        found = self.ledger().alerts(since=self.clock() - parse_window(since, field="since"), kind=kind)[::-1]
        chunk, nxt = page(found, limit, cursor)
        return AlertsAnswer(summary=f"{len(found)} alerts over {since}", total=len(found), items=chunk,
                            next_cursor=nxt)
