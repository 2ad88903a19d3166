"""The anomaly questions of the service: detect breaks in every agent's run-rate, explain them with the changes on
the agent and on what it depends on (through the graph), alert once per anomaly, and keep users' feedback.

Detection is recomputed from the hourly rollups on each pass over the window (at least `SCAN`, 90 days) plus four
weeks of history (milliseconds per agent), so nothing derived is stored but the state users set. An anomaly still
going is answered whatever its onset within that scan; the window narrows only the ones that ended. Passes run when
anomalies are asked for, after the demo's ingest, and every few minutes inside `orgmap serve`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graph import queries
from ledger.anomaly import (
    Anomaly,
    AnomalyConfig,
    ChangeEvent,
    ConfigError,
    corroborated,
    detect,
    explain,
    with_peers,
)
from orgmap.answer_types import AnomaliesAnswer, AnomalyBrief, AnomalyExplanation, AnomalyPointer
from orgmap.arguments import ANOMALY_STATES, text_arguments
from orgmap.errors import InvalidArgument, NotFound
from orgmap.nodes import node_ref, resolve_agent
from orgmap.paging import page, parse_window

if TYPE_CHECKING:
    from graph import CompanyGraph
    from ledger import Ledger

__all__ = ["AnomalyAnswers"]

log = logging.getLogger("orgmap")
HISTORY = timedelta(days=28)  # baseline history read before the window (day-of-week factors need three weeks)
SCAN = timedelta(days=90)  # the least span scanned: an anomaly still going is found if it began within it
ATTRIBUTION_DEPTH = 2
_MEMO_SCANS = 32  # scans kept for one stamp, least recently asked dropped first (each agent's page asks its own)


class AnomalyAnswers:
    """Anomaly questions over the ledger (kept in step by `ledger`, a `LedgerInStep`) and the graph's dependencies."""

    def __init__(self, graph: CompanyGraph, ledger: Callable[[], Ledger], clock: Callable[[], datetime]) -> None:
        self.graph = graph
        self.ledger = ledger
        self.clock = clock
        self.scans = 0  # scans computed (not answered from the memo): what shows a memo hit
        self._memo: dict[tuple[Any, ...], list[Anomaly]] = {}
        self._memo_lock = threading.Lock()
        self._alerted: set[str] = set()  # anomalies this process raised (or found raised): not raised again

    def _agents_and_reach(self, agents: list[str] | None) -> tuple[list[str], dict[str, dict[str, int]],
                                                                  dict[str, set[str]], dict[str, AnomalyConfig]]:
        """Agents to scan, what each depends on (node -> distance), dependents of each target, and configs."""
        reach: dict[str, dict[str, int]] = {}
        dependents: dict[str, set[str]] = defaultdict(set)
        configs: dict[str, AnomalyConfig] = {}
        with self.graph.read() as g:
            every = sorted(n for n, kind in g.nodes(data="kind") if kind == "agent")
            for agent in every:
                hops = queries.dependencies(g, agent, ATTRIBUTION_DEPTH)
                reach[agent] = {agent: 0, **{h.node: h.depth for h in hops}}
                for target in reach[agent]:
                    dependents[target].add(agent)
                try:
                    configs[agent] = AnomalyConfig().with_overrides(g.nodes[agent].get("anomaly"))
                except (ConfigError, TypeError) as exc:
                    log.warning("orgmap: %s: ignoring its `anomaly:` settings: %s", agent, exc)
                    configs[agent] = AnomalyConfig()
        return (agents or every), reach, dependents, configs

    def scan_anomalies(self, since: timedelta, agents: list[str] | None = None, *,
                       alert: bool = True) -> list[Anomaly]:
        """Anomalies still going (onset within the last `SCAN` or `since`, the longer) and those that ended with onset
        within `since` before now, explained; new open ones fire one alert each, dated by their onset.

        A scan is memoised until what it reads may have changed: the ledger's scan stamp (moved by a write of past
        hours' spend or outcomes, a change or an anomaly state, here or by another process: `ledger.scan_stamp`;
        live events of the current hour leave it), the vault's revision, and the clock hour (detection reads complete
        hours only, so the hour turning reads them), so the dashboard's run-rate and anomaly list share one scan."""
        revision = self.graph.revision  # before the ledger takes the vault's names: never a key newer than the scan
        ledger = self.ledger()
        now = self.clock()
        hour = now.replace(minute=0, second=0, microsecond=0)
        stamp = (ledger.scan_stamp(), revision, hour, now == hour)  # read before the data
        key = (stamp, since, None if agents is None else tuple(agents))
        with self._memo_lock:
            if self._memo and next(iter(self._memo))[0] != stamp:
                self._memo.clear()
            found = self._memo.pop(key, None)
            if found is None:
                if len(self._memo) >= _MEMO_SCANS:  # the least recently asked goes (the all-agents scan stays hot)
                    del self._memo[next(iter(self._memo))]
                found = self._scan(ledger, now, since, agents)
                self.scans += 1
            self._memo[key] = found  # last: the most recently asked
        if alert:
            for a in found:
                if a.state == "open" and not a.suppressed and a.id not in self._alerted:
                    ledger.raise_alert(f"anomaly:{a.id}", "anomaly", a.agent, a.sentence,
                                       {"ratio": a.ratio, "excess_usd": a.excess_usd, "factor": a.factor,
                                        "onset": a.onset.isoformat()}, now=now, at=a.onset)
                    self._alerted.add(a.id)
        return list(found)

    def _scan(self, ledger: Ledger, now: datetime, since: timedelta, agents: list[str] | None) -> list[Anomaly]:
        """One scan as of `now` (`scan_anomalies`), without alerts."""
        names, reach, dependents, configs = self._agents_and_reach(agents)
        scanned = max(since, SCAN)  # the same span whatever the window, so every window sees the same anomalies
        start = now - scanned - HISTORY
        with self.graph.read() as g:  # each agent's unit of work (`outcome:` in its note): its cost per outcome
            units = {n: unit for n in names if n in g and isinstance(unit := g.nodes[n].get("outcome"), str)}
        series = ledger.hourly_series(names, since=start, until=now, units=units)
        # changes up to two hours past the clock hour's end: the same set all hour long, as the memo keeps the scan
        page_ = ledger.changes(since=start - timedelta(days=2), until=now.replace(minute=0, second=0, microsecond=0)
                               + timedelta(hours=3), limit=100_000)
        pool: dict[str, list[ChangeEvent]] = defaultdict(list)
        for change in page_.items:
            if change.node_id is None:
                continue
            for agent in dependents.get(change.node_id, ()):
                pool[agent].append(ChangeEvent(change.id, change.ts, change.node_id, change.kind, change.summary,
                                               change.ref, change.planned, reach[agent][change.node_id],
                                               details=change.details or {}))
        found: list[Anomaly] = []
        for agent in names:  # the whole fetched history, so a shift older than the window keeps its baseline
            found += [a for a in detect(series[agent], now, configs[agent], pool.get(agent, ()), history=True)
                      if a.onset >= now - scanned]
        found += self._corroborated(found, names, series, pool, dependents, configs, now - scanned, now)
        found = [a for a in found if a.end is None or a.onset >= now - since]
        explained = [explain(a, with_peers(pool.get(a.agent, ()), a.agent, found, dependents, configs[a.agent]),
                             configs[a.agent]) for a in found]
        states = ledger.anomaly_states()
        with self.graph.read() as g:
            shown = {a.agent: node_ref(g, a.agent).name for a in explained if a.agent in g}
        out = [replace(a, state=states[a.id].state if a.id in states else a.state,
                       sentence=a.sentence.replace(a.agent, shown.get(a.agent, a.agent), 1)) for a in explained]
        return sorted(out, key=lambda a: (a.onset, a.agent), reverse=True)

    @staticmethod
    def _corroborated(found: list[Anomaly], names: list[str], series: dict, pool: dict[str, list[ChangeEvent]],
                      dependents: dict[str, set[str]], configs: dict[str, AnomalyConfig], since: datetime,
                      now: datetime) -> list[Anomaly]:
        """Anomalies below an agent's dollar floor that follow a dependency change another dependent's anomaly
        followed too (see `corroborated`); the percent and statistical gates still hold."""
        extra: list[Anomaly] = []
        default = AnomalyConfig()
        for agent, spans in corroborated(pool, found, dependents, default).items():
            if agent not in names:
                continue
            loose = replace(configs[agent], min_excess_usd_day=0.0, min_excess_share=0.0)
            mine = [a for a in found if a.agent == agent]
            for a in detect(series[agent], now, loose, pool.get(agent, ()), history=True):
                near = any(lo <= a.onset <= hi for lo, hi in spans) and a.onset >= since
                if near and not any(abs(a.onset - b.onset) < timedelta(days=1) for b in mine):
                    extra.append(a)
        return extra

    def _brief(self, g: Any, a: Anomaly) -> AnomalyBrief:
        """The anomaly in a line, naming its cause and its fix by id and ref so a user or a script can follow them."""
        name = node_ref(g, a.agent).name if a.agent in g else a.agent
        cause = _named(None if a.abstained or not a.candidates else a.candidates[0].change)
        fix = _named(a.fix)
        return AnomalyBrief(id=a.id, agent=a.agent, name=name, kind=a.kind, onset=a.onset, end=a.end,
                            ratio=round(a.ratio, 2), excess_usd=round(a.excess_usd, 2), factor=a.factor,
                            sentence=a.sentence, cause=cause[0], cause_id=cause[1], cause_ref=cause[2], fix=fix[0],
                            fix_id=fix[1], fix_ref=fix[2], abstained=a.abstained, suppressed=a.suppressed,
                            state=a.state)

    def open_pointers(self, agents: list[str], since: timedelta) -> dict[str, AnomalyPointer]:
        """Each of `agents`' open anomaly (state open; one still going first, else the newest), in a line: what ranked
        spend rows point at. From the scan of every agent the anomaly list reads too (memoised), so a row points at
        an anomaly exactly when the list shows it. No alert is raised."""
        if not agents:
            return {}
        wanted = set(agents)
        found = [a for a in self.scan_anomalies(since, alert=False) if a.state == "open" and a.agent in wanted]
        found.sort(key=lambda a: (a.end is None, a.onset), reverse=True)
        pointers: dict[str, AnomalyPointer] = {}
        with self.graph.read() as g:
            for a in found:
                if a.agent not in pointers:
                    brief = self._brief(g, a)
                    pointers[a.agent] = AnomalyPointer(id=brief.id, sentence=brief.sentence, cause=brief.cause,
                                                       cause_id=brief.cause_id, ongoing=brief.end is None)
        return pointers

    def anomalies(self, since: str = "7d", agent: str | None = None, state: str | None = None, limit: int = 10,
                  cursor: str | None = None) -> AnomaliesAnswer:
        """Breaks in agents' run-rate, newest first: every one still going, and those that ended with onset within
        `since`; size, what moved, likely cause (and fix)."""
        if state is not None and state not in ANOMALY_STATES:
            raise InvalidArgument(f"state must be one of {', '.join(ANOMALY_STATES)}", field="state")
        node = resolve_agent(self.graph, agent, field="agent") if agent else None
        found = self.scan_anomalies(parse_window(since, field="since"), [node] if node else None)
        found = [a for a in found if state is None or a.state == state]
        chunk, nxt = page(found, limit, cursor)
        with self.graph.read() as g:
            items = [self._brief(g, a) for a in chunk]
        explained = sum(1 for a in found if not a.abstained)
        going = sum(1 for a in found if a.end is None)
        summary = (f"{len(found)} anomalies ({going} still going, whatever their onset; {len(found) - going} ended, "
                   f"onset within {since})" + (f" on {node}" if node else ""))
        if found:
            summary += f"; {explained} explained by a recorded change; latest: {found[0].sentence}"
        return AnomaliesAnswer(summary=summary, window=since, total=len(found), items=items, next_cursor=nxt)

    def explain_cost_change(self, agent: str, since: str = "7d") -> AnomalyExplanation:
        """Why did this agent's cost change? Its anomalies in full with ranked candidate causes and evidence: every
        one still going first (whatever its onset), then those that ended within `since`, newest first."""
        node = resolve_agent(self.graph, agent, field="agent")
        found = sorted(self.scan_anomalies(parse_window(since, field="since"), [node]),
                       key=lambda a: (a.end is None, a.onset), reverse=True)
        with self.graph.read() as g:
            ref = node_ref(g, node)
        if not found:
            summary = (f"no anomaly in {ref.name}'s run-rate still going or over {since}: its cost follows its own "
                       "history")
        else:
            summary = found[0].sentence + (f" ({len(found) - 1} earlier anomalies)" if len(found) > 1 else "")
        return AnomalyExplanation(summary=summary, agent=ref, window=since, anomalies=found[:3])

    def set_anomaly_state(self, anomaly_id: str, state: str, note: str | None = None) -> AnomalyBrief:
        """Acknowledge or resolve an anomaly (open, acknowledged, resolved_expected, resolved_unexpected)."""
        if state not in ANOMALY_STATES:
            raise InvalidArgument(f"state must be one of {', '.join(ANOMALY_STATES)}", field="state")
        text_arguments(note=note)
        agent = anomaly_id.rpartition("@")[0]
        node = resolve_agent(self.graph, agent, field="id") if agent else None
        found = {a.id: a for a in self.scan_anomalies(SCAN, [node] if node else None, alert=False)}
        if anomaly_id not in found:
            raise NotFound("anomaly", anomaly_id, sorted(found)[:5], field="id")
        self.ledger().set_anomaly_state(anomaly_id, state, note, self.clock())
        with self.graph.read() as g:
            return self._brief(g, replace(found[anomaly_id], state=state))


def _named(change: ChangeEvent | None) -> tuple[str | None, str | None, str | None]:
    """A change's summary, id and ref (the commit, the deploy id), or three Nones."""
    return (None, None, None) if change is None else (change.summary, change.id, change.ref)
