"""The ledger's reads for cost reports and reconciliation, over a period of whole hours: counted spend per day and
dimension (what chargeback splits), per-call spend alone (what telemetry tracked), aggregate rows as imported
(what a provider reported or billed), and calls per agent and tool (what use of a shared tool allocation weighs).

Rows carry both the raw agent key and the node it resolves to (None: unattributed), so the service can group them
through the graph without asking the ledger again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .attribution import Attribution
from .rollups import AGG_COUNTED, PER_CALL
from .store import EventStore
from .timeutil import HOUR_US, from_us, to_us

__all__ = ["AggregateRow", "CostLine", "ToolUse", "aggregate_rows", "cost_lines", "tool_use"]

_COUNTED = (PER_CALL, AGG_COUNTED)
_DIMS = ("agent_key", "model", "provider", "client", "project", "kind")
_MEASURES = ("cost", "unpriced", "calls", "input_tokens", "output_tokens")


@dataclass(frozen=True, slots=True)
class CostLine:
    """Spend of one day and one set of dimensions; `unpriced` counts its events with no price (their cost is 0 here,
    their tokens are in `input_tokens`/`output_tokens`)."""

    day: datetime
    agent_key: str
    node: str | None
    model: str
    provider: str
    client: str
    project: str
    kind: str
    cost: float
    unpriced: int
    calls: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class AggregateRow:
    """One imported usage or cost report row: `source` says which report; `ids` the spender ids it named (API key,
    workspace, project) from its attributes; `cost` None when orgmap could not price its tokens."""

    ts: datetime
    agent_key: str
    node: str | None
    model: str | None
    provider: str | None
    cost: float | None
    source: str | None
    attributes: dict[str, object]
    tokens: int


@dataclass(frozen=True, slots=True)
class ToolUse:
    """Per-call events of an agent (key and node) that name `tool`: how many and their tokens."""

    agent_key: str
    node: str | None
    tool: str
    calls: int
    tokens: int


def _hours(since: datetime, until: datetime) -> tuple[int, int]:
    return to_us(since) // HOUR_US, -(-to_us(until) // HOUR_US)


def cost_lines(store: EventStore, at: Attribution, since: datetime, until: datetime, *,
               per_call_only: bool = False) -> list[CostLine]:
    """Spend per day and dimension over [since, until): per-call events and the aggregate rows no per-call event
    shadows (the figure every other view counts), or per-call events alone with `per_call_only`."""
    first, end = _hours(since, until)
    aggs = (PER_CALL,) if per_call_only else _COUNTED
    rows = store.rollup_sum(_DIMS, first, end, slim=False, aggs=aggs, bucket="day", measures=_MEASURES)
    out = []
    names = store.agent_names()
    for day, key, model, provider, client, project, kind, cost, unpriced, calls, _, inp, outp, *_ in rows:
        out.append(CostLine(from_us(day * 24 * HOUR_US), key, at.node(key, names.get(key)), model, provider, client,
                            project, kind, cost, int(unpriced), int(calls), int(inp), int(outp)))
    out.sort(key=lambda c: (c.day, c.agent_key, c.model, c.provider, c.client, c.project, c.kind))
    return out


def aggregate_rows(store: EventStore, at: Attribution, since: datetime, until: datetime,
                   sources: Sequence[str] | None = None) -> list[AggregateRow]:
    """Imported usage and cost report rows starting in [since, until), shadowed ones included (a bill is a bill
    whether or not per-call events of the same hours exist), of `sources` when given."""
    names = store.agent_names()
    out = []
    for ts, key, model, provider, cost, source, attributes, inp, outp, _, _ in store.aggregate_events(
            to_us(since), to_us(until)):
        if sources is not None and source not in sources:
            continue
        out.append(AggregateRow(from_us(ts), key, at.node(key, names.get(key)), model, provider, cost, source,
                                json.loads(attributes) if attributes else {}, int(inp) + int(outp)))
    return out


def tool_use(store: EventStore, at: Attribution, since: datetime, until: datetime) -> list[ToolUse]:
    """Calls and tokens of per-call events naming a tool over [since, until), per agent key and tool."""
    names = store.agent_names()
    return [ToolUse(key, at.node(key, names.get(key)), tool, int(calls), int(tokens or 0))
            for key, tool, calls, tokens in store.tool_calls(to_us(since), to_us(until))]
