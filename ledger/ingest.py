"""One batch of priced cost events into the store in one transaction: rows, rollups, runs, aggregate overlap.

The overlap rule: an aggregate row (usage report, `aggregate: true`) covers the hours [ts, ts + period_s). If the
same agent has per-call events in any of those hours, the aggregate is *shadowed* (agg = 2): kept and reported as
overlap, left out of the default views, because the per-call events already count that spend. Whichever arrives
first, the rule holds: a per-call event arriving later moves the aggregate's rollups from counted to shadowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .rollups import AGG_COUNTED, AGG_SHADOWED, PER_CALL, Deltas, add, dims_of, event_measures
from .rows import AGENT, AGENT_IDS, AGGREGATE, COST, ID, ID_KEY, KEY, PERIOD, PROJECT, RUN_ID, TS
from .runs import RunRecord, merge_run
from .store import EventStore

__all__ = ["BatchOutcome", "Numbered", "write_batch"]

_HOUR = 3_600_000_000
_MINUTE = 60_000_000
MINUTES_KEPT = 24 * 60
Numbered = tuple[int, tuple]  # (1-based position in the input, stored row)


@dataclass(slots=True)
class BatchOutcome:
    """What a committed batch stored: new rows, duplicates (each with its input position), and the runs touched."""

    stored: list[Numbered] = field(default_factory=list)
    duplicates: list[Numbered] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)


def write_batch(store: EventStore, batch: Sequence[Numbered]) -> BatchOutcome:
    """Store a batch (call inside `store.transaction()`): duplicates by id are skipped, never counted twice; ids are
    compared as text, so two ids sharing an idempotency key are two events."""
    out = BatchOutcome()
    existing = store.existing_cost_ids(list({item[1][ID_KEY] for item in batch}))
    seen: set[str] = set()
    for item in batch:
        event_id = item[1][ID]
        if event_id in existing or event_id in seen:
            out.duplicates.append(item)
        else:
            seen.add(event_id)
            out.stored.append(item)
    if not out.stored:
        return out
    rows = [item[1] for item in out.stored]
    store.insert_cost_rows(rows)
    store.note_agent_names({(r[KEY], r[AGENT], r[AGENT_IDS]) for r in rows})

    per_call_hours = {(r[KEY], r[TS] // _HOUR) for r in rows if not r[AGGREGATE]}
    deltas: Deltas = {}
    minutes: dict[tuple[str, int, str], float] = defaultdict(float)
    by_run: dict[tuple[str, str], list[tuple[tuple, int]]] = defaultdict(list)
    for r in rows:
        key, hour, cost, run_id = r[KEY], r[TS] // _HOUR, r[COST], r[RUN_ID]
        agg = PER_CALL
        if r[AGGREGATE]:
            hours = max(1, -(-(r[PERIOD] or 3600) // 3600))
            covered = any((key, h) in per_call_hours for h in range(hour, hour + hours))
            shadowed = covered or store.has_per_call(key, hour, hour + hours)
            agg = AGG_SHADOWED if shadowed else AGG_COUNTED
            store.add_bucket(key, hour, hours, shadowed)
        elif cost:
            minutes[(key, r[TS] // _MINUTE, r[PROJECT] or "")] += cost
        add(deltas, (hour, *dims_of(r, agg)), event_measures(r, counts_run=run_id is None))
        if run_id is not None:
            by_run[(key, run_id)].append((r, agg))

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
