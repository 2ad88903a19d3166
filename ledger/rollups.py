"""Rollup deltas built in Python per batch (pure), then upserted once per key: queries never scan raw events.

A rollup key is (hour, agent_key, model, provider, client, project, kind, agg); `agg` is 0 for per-call events,
1 for aggregate rows that count, 2 for aggregate rows shadowed by per-call events of the same agent and hour.
The day table and the slim per-agent tables are folds of the same deltas.
"""

from __future__ import annotations

from collections.abc import Iterable

from .events import CostEvent

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
]

PER_CALL, AGG_COUNTED, AGG_SHADOWED = 0, 1, 2
Deltas = dict[tuple, list[float]]



def dims_of(event: CostEvent, key: str, agg: int) -> tuple[str, str, str, str, str, str, int]:
    """The rollup dimensions of an event (missing values are '')."""
    return (
        key, event.model or "", event.provider or "", event.client or "", event.project or "", event.kind, agg,
    )


def event_measures(event: CostEvent, cost: float | None, counts_run: bool) -> list[float]:
    """The measures one event adds: cost, unpriced, calls, runs, five token counts, retries, errors."""
    if event.aggregate:
        calls = event.runs or 0
        runs = calls
    else:
        calls = 1
        runs = 1 if counts_run else 0
    return [
        cost or 0.0,
        1 if cost is None else 0,
        calls,
        runs,
        event.input_tokens,
        event.output_tokens,
        event.cache_read_tokens,
        event.cache_write_tokens,
        event.reasoning_tokens,
        1 if event.retry > 0 else 0,
        1 if event.is_error else 0,
    ]


def add(deltas: Deltas, key: tuple, measures: Iterable[float], sign: int = 1) -> None:
    """Accumulate `measures` (times `sign`) into `deltas[key]`."""
    current = deltas.get(key)
    if current is None:
        deltas[key] = [sign * m for m in measures]
    else:
        for i, m in enumerate(measures):
            current[i] += sign * m


def _fold(deltas: Deltas, keyfn) -> Deltas:
    out: Deltas = {}
    for key, measures in deltas.items():
        add(out, keyfn(key), measures)
    return out


def fold_day(deltas: Deltas) -> Deltas:
    """Hour keys -> day keys with the same dimensions."""
    return _fold(deltas, lambda k: (k[0] // 24, *k[1:]))


def fold_agent(deltas: Deltas, *, daily: bool) -> Deltas:
    """Hour keys -> slim (agent_key, hour or day, agg) keys."""
    if daily:
        return _fold(deltas, lambda k: (k[1], k[0] // 24, k[7]))
    return _fold(deltas, lambda k: (k[1], k[0], k[7]))


