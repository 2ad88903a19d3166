"""Changes seen in telemetry: per agent, the model it spends on, the version or deploy it runs, and the hashes of its
prompt and tool definitions, watched event by event; a value that takes over is a change, recorded as one.

Pure and incremental: `observe` folds one agent's new events (in time order) into its `AgentWatch` state and returns
what it saw; the ledger keeps each agent's state as one JSON document, so detection never rescans events.

The thresholds keep noise out (`WatchConfig`). A new value is a *switch* once it holds `switch_share` of the calls
(and of the spend, for models) since it first appeared, over at least `min_events` calls: one stray call with another
model is not a switch. A value that keeps `mix_share` or more of the calls over `mix_events` calls without taking over
is an A/B *mix*, reported once per pair. A field that shows `unstable_values` distinct values within `window_hours`,
none taking over (a hash of something that changes on every call), is reported once as *unstable*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rows import AGENT, AGENT_VERSION, AGGREGATE, COST, DEPLOY_ID, KEY, KIND, MODEL, PROMPT_HASH, TOOLS_HASH, TS
from .timeutil import from_us

__all__ = ["FIELDS", "MERGE_HOURS", "AgentWatch", "Seen", "WatchConfig", "change_of", "deploy_value", "fold_rows",
           "observe", "observe_field"]

HOUR_US = 3_600_000_000
MERGE_HOURS = 2  # a recorded change this near a seen one, on the same agent and of the same kind, is the same change
# watched field -> the change kind it records
FIELDS = {"model": "model", "deploy": "deploy", "prompt_hash": "prompt", "tools_hash": "config"}


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """Thresholds against noise (see the module's docstring)."""

    window_hours: int = 6  # a candidate value is judged over at most this many trailing hours
    min_events: int = 5  # calls before a model switch counts
    min_events_version: int = 3  # calls before a new version, deploy or hash counts
    switch_share: float = 0.8
    mix_share: float = 0.2
    mix_events: int = 20  # calls with the candidate before a split counts as a mix
    unstable_values: int = 5
    max_tracked: int = 8  # candidate values kept per field (a flipping hash must not grow the state)


@dataclass(frozen=True, slots=True)
class Seen:
    """One change the telemetry showed: `what` is switch, mix or unstable; `ts` the first event that showed it."""

    agent: str
    field: str
    kind: str
    what: str
    ts: int
    old: str | None
    new: str | None
    events: int
    since: int
    share: float | None = None
    values: int | None = None


@dataclass(slots=True)
class _Candidate:
    first: int
    last: int
    count: int = 0
    spend: float = 0.0
    other_count: int = 0
    other_spend: float = 0.0

    def shares(self) -> tuple[float, float]:
        """(share of the calls, share of the spend) since it first appeared; spend share is the call share without
        spend."""
        calls = self.count / (self.count + self.other_count)
        total = self.spend + self.other_spend
        return calls, (self.spend / total if total > 0 else calls)


@dataclass(slots=True)
class _FieldWatch:
    current: str | None = None
    newest: int = 0
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    mixed: list[list[str]] = field(default_factory=list)
    unstable: bool = False


@dataclass(slots=True)
class AgentWatch:
    """One agent's watch state: per field, the settled value, the candidates and what was reported already."""

    fields: dict[str, _FieldWatch] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {name: {"current": f.current, "newest": f.newest, "mixed": f.mixed, "unstable": f.unstable,
                       "candidates": {v: [c.first, c.last, c.count, c.spend, c.other_count, c.other_spend]
                                      for v, c in f.candidates.items()}}
                for name, f in self.fields.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgentWatch:
        return cls({name: _FieldWatch(f["current"], f["newest"],
                                      {v: _Candidate(*c) for v, c in f["candidates"].items()},
                                      [list(p) for p in f["mixed"]], f["unstable"])
                    for name, f in data.items()})


def deploy_value(agent_version: str | None, deploy_id: str | None) -> str | None:
    """The deploy an event ran as, in words (None when it names neither).

    >>> deploy_value("1.4.0", "d-77"), deploy_value(None, "d-77"), deploy_value(None, None)
    ('version 1.4.0, deploy d-77', 'deploy d-77', None)
    """
    parts = [f"version {agent_version}" if agent_version else "", f"deploy {deploy_id}" if deploy_id else ""]
    return ", ".join(p for p in parts if p) or None


def observe(state: AgentWatch, agent: str, events: Iterable[tuple[int, Mapping[str, str | None], float]],
            config: WatchConfig = WatchConfig()) -> list[Seen]:
    """Fold `events` of one agent, `(ts, {field: value}, spend)` in time order, into `state`; what they showed."""
    streams: dict[str, list[tuple[int, str, float]]] = {}
    for ts, values, spend in events:
        for name, value in values.items():
            if value is not None:
                streams.setdefault(name, []).append((ts, value, spend if name == "model" else 0.0))
    return [s for name, stream in streams.items() for s in observe_field(state, agent, name, stream, config)]


def observe_field(state: AgentWatch, agent: str, name: str, stream: Iterable[tuple[int, str, float]],
                  config: WatchConfig = WatchConfig()) -> list[Seen]:
    """Fold one field's values `(ts, value, spend)` in time order into `state` (each field is watched apart)."""
    w = state.fields.setdefault(name, _FieldWatch())
    seen: list[Seen] = []
    for ts, value, spend in stream:
        if value == w.current and not w.candidates:  # the steady case: nothing to weigh
            if ts > w.newest:
                w.newest = ts
        else:
            seen += _step(w, agent, name, ts, value, spend, config)
    return seen


def _step(w: _FieldWatch, agent: str, name: str, ts: int, value: str, spend: float,
          config: WatchConfig) -> list[Seen]:
    window = config.window_hours * HOUR_US
    if ts < w.newest - window:
        return []  # arrived hours late: the field has moved on since
    if ts > w.newest:
        w.newest = ts
    # a candidate first seen before the window starts over (its share is trailing); the others weigh this call
    cutoff, stale = ts - window, []
    for v, other in w.candidates.items():
        if other.first < cutoff:
            stale.append(v)
        elif v != value:
            other.other_count += 1
            other.other_spend += spend
    for v in stale:
        del w.candidates[v]
    if value == w.current:
        return []
    c = w.candidates.get(value)
    if c is None:
        if len(w.candidates) >= config.max_tracked:
            return _unstable(w, agent, name)
        c = w.candidates[value] = _Candidate(ts, ts)
    c.count += 1
    c.spend += spend
    c.last = ts
    calls, spent = c.shares()
    kind = FIELDS[name]
    need = config.min_events if name == "model" else config.min_events_version
    if c.count >= need and min(calls, spent) >= config.switch_share:
        old, w.current = w.current, value
        w.candidates.clear()
        w.mixed, w.unstable = [], False
        if old is None:
            return []  # the first value settling is where watching starts, not a change
        return [Seen(agent, name, kind, "switch", c.first, old, value, c.count, c.first, round(calls, 3))]
    if c.count >= config.mix_events and calls >= config.mix_share:
        if w.current is None:  # a split from the start: the busier side is where watching starts
            w.current = value
            del w.candidates[value]
            return []
        pair = sorted([w.current, value])
        if pair not in w.mixed:
            w.mixed.append(pair)
            return [Seen(agent, name, kind, "mix", c.first, w.current, value, c.count, c.first, round(calls, 3))]
    return _unstable(w, agent, name) if len(w.candidates) >= config.unstable_values else []


def _unstable(w: _FieldWatch, agent: str, name: str) -> list[Seen]:
    """Once per unsettled stretch: many values in the window, none taking over."""
    if w.unstable:
        return []
    w.unstable = True
    first = min(c.first for c in w.candidates.values())
    events = sum(c.count for c in w.candidates.values())
    return [Seen(agent, name, FIELDS[name], "unstable", first, w.current, None, events, first,
                 values=len(w.candidates))]


_LABELS = {"model": "model", "deploy": "deploy", "prompt_hash": "prompt hash", "tools_hash": "tool definitions hash"}


def fold_rows(states: Mapping[str, AgentWatch], rows: Iterable[tuple],
              config: WatchConfig = WatchConfig()) -> list[Seen]:
    """Fold stored cost rows (`ledger.rows`) into their agents' states (`states[agent key]`), per agent in time
    order; usage-report aggregates are not calls and are left out."""
    by_agent: dict[str, list[tuple]] = {}
    for r in rows:
        if not r[AGGREGATE]:
            by_agent.setdefault(r[KEY], []).append(r)
    seen: list[Seen] = []
    for key, mine in by_agent.items():
        mine.sort(key=lambda r: r[TS])
        state, agent = states[key], mine[0][AGENT]
        models = [(r[TS], r[MODEL], r[COST] or 0.0) for r in mine if r[MODEL] is not None and r[KIND] == "llm"]
        seen += observe_field(state, agent, "model", models, config)
        if any(r[AGENT_VERSION] is not None or r[DEPLOY_ID] is not None for r in mine):
            deploys = [(r[TS], v, 0.0) for r in mine if (v := deploy_value(r[AGENT_VERSION], r[DEPLOY_ID]))]
            seen += observe_field(state, agent, "deploy", deploys, config)
        for name, at in (("prompt_hash", PROMPT_HASH), ("tools_hash", TOOLS_HASH)):
            hashes = [(r[TS], r[at], 0.0) for r in mine if r[at] is not None]
            if hashes:
                seen += observe_field(state, agent, name, hashes, config)
    return seen


def change_of(seen: Seen) -> dict[str, Any]:
    """What the telemetry showed as a change event (docs/events.md), source `telemetry`, dated by its first event."""
    label = _LABELS[seen.field]
    since = from_us(seen.since).strftime("%Y-%m-%d %H:%M UTC")
    if seen.what == "switch":
        summary = (f"{label} changed from {seen.old} to {seen.new} (seen in telemetry: {seen.events:,} calls since "
                   f"{since}, {seen.share:.0%} of them)")
    elif seen.what == "mix":
        summary = (f"{label} split between {seen.old} and {seen.new} (seen in telemetry: {seen.new} in "
                   f"{seen.share:.0%} of calls, {seen.events:,} calls since {since})")
    else:
        summary = (f"{label} unstable: {seen.values} different values in {seen.events:,} calls since {since}, none "
                   "settling (a hash of something that changes on every call?)")
    evidence = {"events": seen.events, "since": from_us(seen.since).isoformat()}
    if seen.share is not None:
        evidence["share"] = seen.share
    if seen.values is not None:
        evidence["values"] = seen.values
    return {"ts": from_us(seen.ts).isoformat(), "target": seen.agent, "kind": seen.kind, "summary": summary,
            "source": "telemetry", "details": {"detected": seen.what, "field": seen.field, "old": seen.old,
                                               "new": seen.new, "evidence": evidence}}
