"""Runs as records per (agent key, run_id): merged from events in any order (pure), and their cost statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .rollups import dims_of, is_error
from .rows import (
    AGGREGATE,
    CACHE_READ,
    CACHE_WRITE,
    CLIENT,
    COST,
    INPUT,
    KIND,
    MODEL,
    OUTPUT,
    PROJECT,
    REASONING,
    RETRY,
    RUNS,
    STATUS,
    TASK,
    TS,
)

__all__ = ["RunRecord", "RunSettings", "merge_run", "percentile", "run_flags", "with_flags"]

_HOUR = 3_600_000_000


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Outlier rules for runs: cost above `cost_k` x the agent's median run cost over `window_days`
    (once `min_runs` earlier runs exist), more retries than `max_retries`, more calls than `max_calls`."""

    cost_k: float = 5.0
    window_days: int = 7
    min_runs: int = 5
    max_retries: int = 3
    max_calls: int = 200


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run's running totals. `first_key` is the rollup key (hour + dims) its run count sits in."""

    agent_key: str
    run_id: str
    first_ts: int
    last_ts: int
    first_key: tuple
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float = 0.0
    unpriced: int = 0
    tool_cost: float = 0.0
    retrieval_cost: float = 0.0
    retry_events: int = 0
    errors: int = 0
    last_error: bool = False
    models: tuple[str, ...] = ()
    client: str | None = None
    project: str | None = None
    task: str | None = None
    aggregate_only: bool = True
    flags: tuple[str, ...] = field(default=())

    @property
    def retries(self) -> int:
        """Events with retry > 0, or errors followed by another attempt, whichever counts more."""
        return max(self.retry_events, self.errors - (1 if self.last_error else 0))


def merge_run(record: RunRecord | None, agent_key: str, run_id: str, events: Sequence[tuple[tuple, int]]) -> RunRecord:
    """Fold new event rows (row, agg flag) into a run record; order of arrival does not matter."""
    if record is None:
        row0, agg0 = min(events, key=lambda item: item[0][TS])
        record = RunRecord(agent_key=agent_key, run_id=run_id, first_ts=row0[TS], last_ts=row0[TS],
                           first_key=(row0[TS] // _HOUR, *dims_of(row0, agg0)), last_error=is_error(row0[STATUS]))
    r = record
    first_ts, last_ts, first_key, last_error = r.first_ts, r.last_ts, r.first_key, r.last_error
    calls, inp, out, cache_read, cache_write, reasoning = (
        r.calls, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, r.reasoning_tokens)
    cost, unpriced, tool_cost, retrieval_cost, retry_events, errors = (
        r.cost, r.unpriced, r.tool_cost, r.retrieval_cost, r.retry_events, r.errors)
    client, project, task, aggregate_only = r.client, r.project, r.task, r.aggregate_only
    models = set(r.models)
    for row, agg in events:
        ts, error = row[TS], is_error(row[STATUS])
        if ts < first_ts:
            first_ts, first_key = ts, (ts // _HOUR, *dims_of(row, agg))
        if ts >= last_ts:
            last_ts, last_error = ts, error
        calls += (row[RUNS] or 0) if row[AGGREGATE] else 1
        inp += row[INPUT]
        out += row[OUTPUT]
        cache_read += row[CACHE_READ]
        cache_write += row[CACHE_WRITE]
        reasoning += row[REASONING]
        c = row[COST]
        if c is None:
            unpriced += 1
        else:
            cost += c
            if row[KIND] == "tool":
                tool_cost += c
            elif row[KIND] == "retrieval":
                retrieval_cost += c
        retry_events += 1 if row[RETRY] > 0 else 0
        errors += 1 if error else 0
        if row[MODEL]:
            models.add(row[MODEL])
        client, project, task = client or row[CLIENT], project or row[PROJECT], task or row[TASK]
        aggregate_only = aggregate_only and bool(row[AGGREGATE])
    return RunRecord(
        agent_key, run_id, first_ts, last_ts, first_key, calls, inp, out, cache_read, cache_write, reasoning, cost,
        unpriced, tool_cost, retrieval_cost, retry_events, errors, last_error, tuple(sorted(models)), client, project,
        task, aggregate_only, r.flags,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation of sorted values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def run_flags(run: RunRecord, settings: RunSettings, peers: tuple[float, int]) -> dict[str, dict]:
    """The outlier flags a run earns now, with their evidence (flags it already has are left out).

    `peers` is (median cost, count) of the agent's other runs in the window (see `ledger.runcosts`).
    """
    found: dict[str, dict] = {}
    if run.aggregate_only:
        return found
    median, count = peers
    if count >= settings.min_runs and median > 0 and run.cost > settings.cost_k * median:
        found["cost"] = {"cost": run.cost, "median": median, "k": settings.cost_k, "peer_runs": count}
    if run.retries > settings.max_retries:
        found["retries"] = {"retries": run.retries, "threshold": settings.max_retries}
    if run.calls > settings.max_calls:
        found["calls"] = {"calls": run.calls, "threshold": settings.max_calls}
    return {name: evidence for name, evidence in found.items() if name not in run.flags}


def with_flags(run: RunRecord, names: Sequence[str]) -> RunRecord:
    """The run with more flags recorded."""
    return replace(run, flags=tuple(sorted({*run.flags, *names})))
