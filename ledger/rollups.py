"""Rollup deltas built in Python per batch (pure), then upserted once per key: queries never scan raw events.

A rollup key is (hour, agent_key, model, provider, client, project, kind, agg); `agg` is 0 for per-call events,
1 for aggregate rows that count, 2 for aggregate rows shadowed by per-call events of the same agent and hour.
The day table and the slim per-agent tables (hour, day, and week: 7 days from day 0, read by windows spanning
weeks) are folds of the same deltas. Events arrive as stored rows (`rows`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from .events import ERROR_STATUSES
from .rows import (
    AGGREGATE,
    CACHE_READ,
    CACHE_WRITE,
    CLIENT,
    COST,
    INPUT,
    KEY,
    KIND,
    MODEL,
    OUTPUT,
    PROJECT,
    PROVIDER,
    REASONING,
    RETRY,
    RUNS,
    STATUS,
)

__all__ = [
    "AGG_COUNTED",
    "AGG_SHADOWED",
    "PER_CALL",
    "WEEK_HOURS",
    "Deltas",
    "add",
    "dims_of",
    "event_measures",
    "folds",
    "is_error",
]

PER_CALL, AGG_COUNTED, AGG_SHADOWED = 0, 1, 2
WEEK_HOURS = 7 * 24  # a week of the week rollup: hours [w * 168, (w + 1) * 168), the epoch's day 0 its first day
Deltas = dict[tuple, Sequence[float]]  # key -> the 11 measures (see `event_measures`)


def is_error(status: str | None) -> bool:
    """An event status that means the call failed."""
    return status is not None and status.lower() in ERROR_STATUSES


def dims_of(row: tuple, agg: int) -> tuple[str, str, str, str, str, str, int]:
    """The rollup dimensions of an event row (missing values are '')."""
    return (
        row[KEY], row[MODEL] or "", row[PROVIDER] or "", row[CLIENT] or "", row[PROJECT] or "", row[KIND], agg,
    )


def event_measures(row: tuple, counts_run: bool) -> list[float]:
    """The measures one event row adds: cost, unpriced, calls, runs, five token counts, retries, errors."""
    cost = row[COST]
    if row[AGGREGATE]:
        calls = row[RUNS] or 0
        runs = calls
    else:
        calls = 1
        runs = 1 if counts_run else 0
    return [
        cost or 0.0,
        1 if cost is None else 0,
        calls,
        runs,
        row[INPUT],
        row[OUTPUT],
        row[CACHE_READ],
        row[CACHE_WRITE],
        row[REASONING],
        1 if row[RETRY] > 0 else 0,
        1 if is_error(row[STATUS]) else 0,
    ]


def add(deltas: Deltas, key: tuple, measures: Sequence[float], sign: int = 1) -> None:
    """Accumulate `measures` (times `sign`) into `deltas[key]`. Measure lists are never changed in place (a sum is a
    new list), so a list may be shared between keys and tables without a copy."""
    if sign != 1:
        measures = [sign * m for m in measures]
    current = deltas.get(key)
    deltas[key] = measures if current is None else list(map(operator.add, current, measures))


def folds(deltas: Deltas) -> tuple[Deltas, Deltas, Deltas, Deltas]:
    """Hour keys folded, in one pass, to day keys with the same dimensions and to the slim (agent_key, hour, agg),
    (agent_key, day, agg) and (week, agent_key, agg) keys."""
    day: Deltas = {}
    agent_hour: Deltas = {}
    agent_day: Deltas = {}
    agent_week: Deltas = {}
    for key, measures in deltas.items():
        hour, agent, agg = key[0], key[1], key[7]
        add(day, (hour // 24, *key[1:]), measures)
        add(agent_hour, (agent, hour, agg), measures)
        add(agent_day, (agent, hour // 24, agg), measures)
        add(agent_week, (hour // WEEK_HOURS, agent, agg), measures)
    return day, agent_hour, agent_day, agent_week
