"""A cost event as the row it is stored as: the ingest path's one representation, built without a dataclass per
event. The common well-formed event is checked in a few dict lookups; anything unusual (CSV strings, floats for
counts, bad values) goes to `validate_cost`, so stored values and error messages are exactly the full validator's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from .events import (
    COST_KINDS,
    MAX_AGGREGATE_COUNT,
    MAX_INT,
    MAX_PERIOD_S,
    MAX_TEXT,
    VERSION_FIELDS,
    CostEvent,
    EventError,
    agent_key,
    content_id,
    is_text,
    limits,
    validate_cost,
)
from .schema import COST_COLUMNS, id_key
from .timeutil import TS_RANGE_US

__all__ = [
    "AGENT", "AGENT_IDS", "AGENT_VERSION", "AGGREGATE", "ATTRIBUTES", "CACHE_READ", "CACHE_WRITE", "CLIENT", "COST",
    "DEPLOY_ID", "DURATION", "ID", "ID_KEY", "INPUT", "KEY", "KIND", "MODEL", "OUTPUT", "PERIOD", "PRICED_BY",
    "PROJECT", "PROMPT_HASH", "PROVIDER", "REASONING", "RETRY", "RUNS", "RUN_ID", "SOURCE", "STATUS", "TASK", "TOOL",
    "TOOLS_HASH", "TS", "WARNING", "WIDTH", "Price", "cost_row", "row_of",
]

# column positions in a row (the order of the cost_events table); AGENT_IDS: the event's other ids as JSON, or None;
# ID_KEY: the id's idempotency key (`ledger.schema.id_key`)
ID, TS, AGENT, KEY, KIND, MODEL, PROVIDER, INPUT, OUTPUT, CACHE_READ, CACHE_WRITE, REASONING, COST, PRICED_BY, \
    TOOL, RUN_ID, CLIENT, PROJECT, TASK, RETRY, DURATION, STATUS, AGGREGATE, RUNS, PERIOD, SOURCE, ATTRIBUTES, \
    WARNING, AGENT_IDS, AGENT_VERSION, DEPLOY_ID, PROMPT_HASH, TOOLS_HASH, ID_KEY = range(34)
WIDTH = len(COST_COLUMNS)  # columns in a row, one per column of cost_events (the positions above follow them)
Price = Callable[[str | None, str | None, int, int, int, int, int, int], tuple[float | None, str | None]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
_TEXT = ("model", "provider", "tool", "run_id", "client", "project", "task", "status", "source")
_NAIVE = "ts has no time zone; taken as UTC"
_ODD = object()  # a value the fast path leaves to the full validator


def row_of(e: CostEvent, cost: float | None, priced_by: str | None) -> tuple:
    """The stored row of a validated event and its cost."""
    return (
        e.id, e.ts, e.agent, agent_key(e.agent), e.kind, e.model, e.provider, e.input_tokens, e.output_tokens,
        e.cache_read_tokens, e.cache_write_tokens, e.reasoning_tokens, cost, priced_by, e.tool, e.run_id,
        e.client, e.project, e.task, e.retry, e.duration_ms, e.status, int(e.aggregate), e.runs, e.period_s,
        e.source, None if e.attributes is None else json.dumps(e.attributes, default=str), e.warning,
        json.dumps(e.agent_ids) if e.agent_ids else None, e.agent_version, e.deploy_id, e.prompt_hash, e.tools_hash,
        id_key(e.id),
    )


_FINITE = 2.0**1023  # above it (inf, or an int float() cannot hold) the full validator names the field


def _number(value: Any) -> Any:
    if value is None:
        return None
    return float(value) if (type(value) is float or type(value) is int) and 0 <= value < _FINITE else _ODD


def _fast(raw: dict[str, Any], price: Price) -> tuple | None:
    get = raw.get
    ts, agent, kind, aggregate = get("ts"), get("agent"), get("kind"), get("aggregate")
    if "agent_ids" in raw:  # the spender's other ids (usage reports): the full validator reads them
        return None
    if type(ts) is not str or type(agent) is not str or len(agent) > MAX_TEXT or not is_text(agent):
        return None
    agent = agent.strip()
    try:
        moment = datetime.fromisoformat(ts.strip())
    except ValueError:
        return None
    naive = moment.tzinfo is None
    delta = (moment.replace(tzinfo=UTC) if naive else moment) - _EPOCH
    us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    if us not in TS_RANGE_US:
        return None  # the slow path names the field
    kind = "llm" if kind is None or kind == "" else kind.strip().lower() if type(kind) is str else None
    if aggregate is None:
        aggregate = False
    if not agent or kind not in COST_KINDS or type(aggregate) is not bool:
        return None
    max_tokens, max_cost, _ = limits(aggregate)
    tokens = [0 if v is None else v for v in map(get, _TOKENS)]
    for v in tokens:
        if type(v) is not int or v < 0 or v > max_tokens:
            return None
    texts = list(map(get, _TEXT))
    for v in texts:
        if v is not None and (type(v) is not str or len(v) > MAX_TEXT or not is_text(v)):
            return None
    texts = [v.strip() or None if v else None for v in texts]
    versions = list(map(get, VERSION_FIELDS))
    if versions.count(None) != len(versions):
        for v in versions:
            if v is not None and (type(v) is not str or len(v) > MAX_TEXT or not is_text(v)):
                return None
        versions = [v.strip() or None if v else None for v in versions]
    retry, runs, period = get("retry"), get("runs"), get("period_s")
    cost, duration, attributes, event_id = _number(get("cost_usd")), _number(get("duration_ms")), \
        get("attributes"), get("id")
    if retry is None:
        retry = 0
    if (
        cost is _ODD or (cost is not None and cost > max_cost) or duration is _ODD
        or type(retry) is not int or not 0 <= retry <= MAX_INT
        or (runs is not None and (type(runs) is not int or not 0 <= runs <= MAX_AGGREGATE_COUNT))
        or (period is not None and (type(period) is not int or not 1 <= period <= MAX_PERIOD_S))
        or (attributes is not None and type(attributes) is not dict)
        or (event_id is not None and (type(event_id) is not str or not event_id.strip() or len(event_id) > MAX_TEXT
                                      or not is_text(event_id)))
        or tokens[2] + tokens[3] > tokens[0] or tokens[4] > tokens[1]
    ):
        return None
    model, provider, tool, run_id, client, project, task, status, source = texts
    inp, out, cache_read, cache_write, reasoning = tokens
    if period is None and aggregate:
        period = 3600
    if event_id is None:
        content = {
            "ts": us, "agent": agent, "kind": kind, "model": model, "provider": provider, "input_tokens": inp,
            "output_tokens": out, "cache_read_tokens": cache_read, "cache_write_tokens": cache_write,
            "reasoning_tokens": reasoning, "cost_usd": cost, "tool": tool, "run_id": run_id, "client": client,
            "project": project, "task": task, "retry": retry, "duration_ms": duration, "status": status,
            "aggregate": aggregate, "runs": runs, "period_s": period, "source": source,
            "attributes": None if attributes is None else dict(attributes),
        }
        # the versions join the content only when present (as in `validate_cost`): older ids stay as they were
        content.update((name, v) for name, v in zip(VERSION_FIELDS, versions, strict=True) if v is not None)
        event_id = content_id(content)
    else:
        event_id = event_id.strip()
    if cost is None:
        cost, priced_by = price(model, provider, us, inp, out, cache_read, cache_write, reasoning)
    else:
        priced_by = "event"
    return (
        event_id, us, agent, agent.casefold(), kind, model, provider, inp, out, cache_read, cache_write, reasoning,
        cost, priced_by, tool, run_id, client, project, task, retry, duration, status, int(aggregate), runs, period,
        source, None if attributes is None else json.dumps(attributes, default=str), _NAIVE if naive else None, None,
        *versions, id_key(event_id),
    )


def cost_row(raw: Mapping[str, Any], source: str | None, price: Price) -> tuple:
    """Validate and price one cost event into its row (raises `EventError` naming the field).

    `source` fills a missing `source`; `price` is `Pricer.price`, used when the event carries no `cost_usd`.
    """
    if source is not None and not raw.get("source"):
        raw = {**raw, "source": source}
    if type(raw) is dict:
        row = _fast(raw, price)
        if row is not None:
            return _in_limits(row)
    e = validate_cost(raw)
    if e.cost_usd is not None:
        return row_of(e, e.cost_usd, "event")
    return _in_limits(row_of(e, *price(e.model, e.provider, e.ts, e.input_tokens, e.output_tokens,
                                       e.cache_read_tokens, e.cache_write_tokens, e.reasoning_tokens)))


def _in_limits(row: tuple) -> tuple:
    """The row, once its cost is within 0 and the event's limit: a given `cost_usd` was checked already, a computed
    price is held to the same bound here (a wild price override must not store inf, NaN or a negative)."""
    cost = row[COST]
    _, max_cost, unit = limits(bool(row[AGGREGATE]))
    if cost is not None and not 0 <= cost <= max_cost:
        raise EventError("cost_usd", f"its tokens priced at {cost:.6g} ({row[PRICED_BY]}), outside 0 to ${max_cost:,} "
                                     f"for one {unit}")
    return row
