"""One batch of priced cost events into the store in one transaction: rows, rollups, runs, aggregate overlap.

The overlap rule: an aggregate row (usage report, `aggregate: true`) covers the hours [ts, ts + period_s). If the
same agent has per-call events in any of those hours, the aggregate is *shadowed* (agg = 2): kept and reported as
overlap, left out of the default views, because the per-call events already count that spend. Whichever arrives
first, the rule holds: a per-call event arriving later moves the aggregate's rollups from counted to shadowed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .events import CostEvent
from .rollups import AGG_COUNTED, AGG_SHADOWED, PER_CALL, Deltas, add, dims_of, event_measures
from .runs import RunRecord, merge_run
from .store import EventStore

__all__ = ["BatchOutcome", "Priced", "write_batch"]

_HOUR = 3_600_000_000
_MINUTE = 60_000_000
MINUTES_KEPT = 24 * 60


@dataclass(frozen=True, slots=True)
class Priced:
    """A validated event with its row number in the input and its cost (None = unpriced)."""

    row: int
    event: CostEvent
    cost: float | None
    priced_by: str | None


@dataclass(slots=True)
class BatchOutcome:
    """What a committed batch stored: new events, duplicates, and the runs and keys it touched."""

    stored: list[Priced] = field(default_factory=list)
    duplicates: list[Priced] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)


def _row(p: Priced, key: str) -> tuple:
    e = p.event
    return (
        e.id, e.ts, e.agent, key, e.kind, e.model, e.provider, e.input_tokens, e.output_tokens,
        e.cache_read_tokens, e.cache_write_tokens, e.reasoning_tokens, p.cost, p.priced_by, e.tool, e.run_id,
        e.client, e.project, e.task, e.retry, e.duration_ms, e.status, int(e.aggregate), e.runs, e.period_s,
        e.source, None if e.attributes is None else json.dumps(e.attributes, default=str), e.warning,
    )


def write_batch(store: EventStore, batch: Sequence[Priced]) -> BatchOutcome:
    """Store a batch (call inside `store.transaction()`): duplicates by id are skipped, never counted twice."""
    out = BatchOutcome()
    existing = store.existing_cost_ids([p.event.id for p in batch])
    seen: set[str] = set()
    for p in batch:
        if p.event.id in existing or p.event.id in seen:
            out.duplicates.append(p)
        else:
            seen.add(p.event.id)
            out.stored.append(p)
    if not out.stored:
        return out
    keys = [p.event.key for p in out.stored]
    store.insert_cost_rows([_row(p, k) for p, k in zip(out.stored, keys, strict=True)])
    store.note_agent_names({(k, p.event.agent) for p, k in zip(out.stored, keys, strict=True)})

    per_call_hours = {(k, p.event.ts // _HOUR) for p, k in zip(out.stored, keys, strict=True) if not p.event.aggregate}
    deltas: Deltas = {}
    minutes: dict[tuple[str, int, str], float] = defaultdict(float)
    by_run: dict[tuple[str, str], list[tuple[CostEvent, float | None, int]]] = defaultdict(list)
    for p, key in zip(out.stored, keys, strict=True):
        e = p.event
        hour = e.ts // _HOUR
        agg = PER_CALL
        if e.aggregate:
            hours = max(1, -(-(e.period_s or 3600) // 3600))
            covered = any((key, h) in per_call_hours for h in range(hour, hour + hours))
            shadowed = covered or store.has_per_call(key, hour, hour + hours)
            agg = AGG_SHADOWED if shadowed else AGG_COUNTED
            store.add_bucket(key, hour, hours, shadowed)
        elif p.cost:
            minutes[(key, e.ts // _MINUTE, e.project or "")] += p.cost
        add(deltas, (hour, *dims_of(e, key, agg)), event_measures(e, p.cost, counts_run=e.run_id is None))
        if e.run_id is not None:
            by_run[(key, e.run_id)].append((e, p.cost, agg))

    known = store.get_runs(list(by_run))
    for run_key, events in by_run.items():
        before = known.get(run_key)
        after = merge_run(before, run_key[0], run_key[1], events)
        if before is None or before.first_key != after.first_key:
            if before is not None and not before.aggregate_only:
                add(deltas, before.first_key, _run_count(-1))
            if not after.aggregate_only:
                add(deltas, after.first_key, _run_count(1))
        out.runs.append(after)
    store.put_runs(out.runs)
    store.apply_deltas(deltas)

    open_agents = store.agents_with_open_buckets()
    for key, hour in per_call_hours:
        if key in open_agents:
            for start, hours in store.open_buckets_covering(key, hour):
                store.apply_deltas(store.shadow_bucket(key, start, hours))
    if minutes:
        store.add_minute_spend([(*k, cost) for k, cost in minutes.items()])
        store.prune_minutes(max(k[1] for k in minutes) - MINUTES_KEPT)
    return out


def _run_count(sign: int) -> list[float]:
    return [0.0, 0, 0, sign, 0, 0, 0, 0, 0, 0, 0]
