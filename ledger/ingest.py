"""One batch of priced cost events into the store in one transaction: rows, rollups, runs, aggregate overlap.

The overlap rule: an aggregate row (usage report, `aggregate: true`) covers the hours [ts, ts + period_s). If the
same agent has per-call events in any of those hours, the aggregate is *shadowed* (agg = 2): kept and reported as
overlap, left out of the default views, because the per-call events already count that spend. Whichever arrives
first, the rule holds: a per-call event arriving later moves the aggregate's rollups from counted to shadowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .rollups import AGG_COUNTED, AGG_SHADOWED, PER_CALL, Deltas, add, dims_of, event_measures
from .rows import AGENT, AGENT_IDS, AGGREGATE, COST, ID, ID_KEY, KEY, PERIOD, PROJECT, RUN_ID, TS
from .runs import RunRecord, merge_run
from .scan_stamp import ScanWrites
from .store import EventStore

__all__ = ["BatchOutcome", "Numbered", "Tally", "prepare", "tally", "write_batch"]

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


@dataclass(slots=True)
class Tally:
    """What a batch's rows add: the (agent, hour) pairs with per-call events, rollup deltas, spend per (agent,
    minute, project) and the rows of each (agent key, run id) with their agg flag."""

    per_call_hours: set[tuple[str, int]]
    deltas: Deltas = field(default_factory=dict)
    minutes: dict[tuple[str, int, str], float] = field(default_factory=lambda: defaultdict(float))
    by_run: dict[tuple[str, str], list[tuple[tuple, int]]] = field(default_factory=lambda: defaultdict(list))


def tally(rows: Sequence[tuple], aggs: Mapping[int, int] | None = None) -> Tally:
    """Pure: what `rows` add; an aggregate row counts unless `aggs` (agg flags by position) says otherwise."""
    out = Tally({(r[KEY], r[TS] // _HOUR) for r in rows if not r[AGGREGATE]})
    deltas, minutes, by_run = out.deltas, out.minutes, out.by_run
    for i, r in enumerate(rows):
        key, ts, cost, run_id = r[KEY], r[TS], r[COST], r[RUN_ID]
        if r[AGGREGATE]:
            agg = aggs.get(i, AGG_COUNTED) if aggs else AGG_COUNTED
        else:
            agg = PER_CALL
            if cost:
                minutes[(key, ts // _MINUTE, r[PROJECT] or "")] += cost
        add(deltas, (ts // _HOUR, *dims_of(r, agg)), event_measures(r, counts_run=run_id is None))
        if run_id is not None:
            by_run[(key, run_id)].append((r, agg))
    return out


def prepare(batch: Sequence[Numbered]) -> Tally | None:
    """A batch's tally computed before its transaction, for when all its rows turn out new (the usual case), so
    ingest can do it while the batch before is written; None when the batch holds aggregate rows (their flag is
    decided against the store)."""
    rows = [item[1] for item in batch]
    return None if any(r[AGGREGATE] for r in rows) else tally(rows)


def write_batch(store: EventStore, batch: Sequence[Numbered], scan: ScanWrites,
                prepared: Tally | None = None) -> BatchOutcome:
    """Store a batch (call inside `store.transaction()`): duplicates by id are skipped, never counted twice; ids are
    compared as text, so two ids sharing an idempotency key are two events. `scan` is told the hours whose rollups
    it changed and whether an agent's ids grew (`ledger.scan_stamp`); `prepared` is `prepare(batch)`."""
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
    if store.note_agent_names({(r[KEY], r[AGENT], r[AGENT_IDS]) for r in rows}):
        scan.always()
    done = prepared if prepared is not None and not out.duplicates else _tally_stored(store, rows)

    deltas = dict(done.deltas)  # a copy: a retried transaction starts again from the prepared tally
    known = store.get_runs(list(done.by_run))
    for run_key, events in done.by_run.items():
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
    scan.hours(k[0] for k in deltas)

    open_agents = store.agents_with_open_buckets()
    for key, hour in done.per_call_hours:
        if key in open_agents:
            for start, hours in store.open_buckets_covering(key, hour):
                store.apply_deltas(store.shadow_bucket(key, start, hours))
                scan.hours((start,))
    minutes = done.minutes
    if minutes:
        store.add_minute_spend([(*k, cost) for k, cost in minutes.items()])
        store.prune_minutes(max(k[1] for k in minutes) - MINUTES_KEPT)
    return out


def _tally_stored(store: EventStore, rows: Sequence[tuple]) -> Tally:
    """`tally` of the rows stored, each aggregate row counted or shadowed by per-call events of its agent in the
    hours it covers (in the batch or stored), its bucket recorded."""
    per_call_hours = {(r[KEY], r[TS] // _HOUR) for r in rows if not r[AGGREGATE]}
    aggs: dict[int, int] = {}
    for i, r in enumerate(rows):
        if r[AGGREGATE]:
            key, hour = r[KEY], r[TS] // _HOUR
            hours = max(1, -(-(r[PERIOD] or 3600) // 3600))
            covered = any((key, h) in per_call_hours for h in range(hour, hour + hours))
            shadowed = covered or store.has_per_call(key, hour, hour + hours)
            aggs[i] = AGG_SHADOWED if shadowed else AGG_COUNTED
            store.add_bucket(key, hour, hours, shadowed)
    return tally(rows, aggs)


def _run_count(sign: int) -> list[float]:
    return [0.0, 0, 0, sign, 0, 0, 0, 0, 0, 0, 0]
