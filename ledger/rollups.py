"""Rollup deltas built in Python per batch (pure), then upserted once per key: queries never scan raw events.

A rollup key is (hour, agent_key, model, provider, client, project, kind, agg); `agg` is 0 for per-call events,
1 for aggregate rows that count, 2 for aggregate rows shadowed by per-call events of the same agent and hour.
The day table and the slim per-agent tables are folds of the same deltas. Events arrive as stored rows (`rows`).
"""

from __future__ import annotations

from collections.abc import Iterable

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
    "Deltas",
    "add",
    "dims_of",
    "event_measures",
    "fold_agent",
    "fold_day",
    "is_error",
]

PER_CALL, AGG_COUNTED, AGG_SHADOWED = 0, 1, 2
Deltas = dict[tuple, list[float]]


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


def add(deltas: Deltas, key: tuple, measures: Iterable[float], sign: int = 1) -> None:
    """Accumulate `measures` (times `sign`) into `deltas[key]` (lists are replaced, never changed in place)."""
    current = deltas.get(key)
    if current is None:
        deltas[key] = list(measures) if sign == 1 else [sign * m for m in measures]
    elif sign == 1:
        deltas[key] = [a + b for a, b in zip(current, measures, strict=True)]
    else:
        deltas[key] = [a + sign * b for a, b in zip(current, measures, strict=True)]


def _fold(deltas: Deltas, keyfn) -> Deltas:
    out: Deltas = {}
    for key, measures in deltas.items():
        folded = keyfn(key)
        current = out.get(folded)
        out[folded] = measures if current is None else [a + b for a, b in zip(current, measures, strict=True)]
    return out


def fold_day(deltas: Deltas) -> Deltas:
    """Hour keys -> day keys with the same dimensions."""
    return _fold(deltas, lambda k: (k[0] // 24, *k[1:]))


def fold_agent(deltas: Deltas, *, daily: bool) -> Deltas:
    """Hour keys -> slim (agent_key, hour or day, agg) keys."""
    if daily:
        return _fold(deltas, lambda k: (k[1], k[0] // 24, k[7]))
    return _fold(deltas, lambda k: (k[1], k[0], k[7]))
