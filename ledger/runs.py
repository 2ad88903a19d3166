"""Runs as records per (agent key, run_id): merged from events in any order (pure), and their cost statistics."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .events import CostEvent
from .rollups import dims_of

__all__ = ["RunRecord", "RunSettings", "merge_run", "percentile", "run_flags", "with_flags"]


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


def merge_run(
    record: RunRecord | None, agent_key: str, run_id: str, events: Sequence[tuple[CostEvent, float | None, int]]
) -> RunRecord:
    """Fold new events (event, cost, agg flag) into a run record; order of arrival does not matter."""
    if record is None:
        first = min(events, key=lambda item: item[0].ts)
        ev0 = first[0]
        record = RunRecord(
            agent_key=agent_key, run_id=run_id, first_ts=ev0.ts, last_ts=ev0.ts,
            first_key=(ev0.ts // 3_600_000_000, *dims_of(ev0, agent_key, first[2])),
            last_error=ev0.is_error,
        )
    values = {name: getattr(record, name) for name in RunRecord.__slots__}
    models = set(record.models)
    for event, cost, agg in events:
        if event.ts < values["first_ts"]:
            values["first_ts"] = event.ts
            values["first_key"] = (event.ts // 3_600_000_000, *dims_of(event, agent_key, agg))
        if event.ts >= values["last_ts"]:
            values["last_ts"] = event.ts
            values["last_error"] = event.is_error
        values["calls"] += (event.runs or 0) if event.aggregate else 1
        for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
            values[name] += getattr(event, name)
        if cost is None:
            values["unpriced"] += 1
        else:
            values["cost"] += cost
            if event.kind == "tool":
                values["tool_cost"] += cost
            elif event.kind == "retrieval":
                values["retrieval_cost"] += cost
        values["retry_events"] += 1 if event.retry > 0 else 0
        values["errors"] += 1 if event.is_error else 0
        if event.model:
            models.add(event.model)
        for name in ("client", "project", "task"):
            values[name] = values[name] or getattr(event, name)
        values["aggregate_only"] = values["aggregate_only"] and event.aggregate
    values["models"] = tuple(sorted(models))
    return RunRecord(**values)


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


def run_flags(run: RunRecord, settings: RunSettings, peer_costs: Sequence[float]) -> dict[str, dict]:
    """The outlier flags a run earns now, with their evidence (flags it already has are left out)."""
    found: dict[str, dict] = {}
    if run.aggregate_only:
        return found
    if len(peer_costs) >= settings.min_runs:
        median = statistics.median(peer_costs)
        if median > 0 and run.cost > settings.cost_k * median:
            found["cost"] = {"cost": run.cost, "median": median, "k": settings.cost_k, "peer_runs": len(peer_costs)}
    if run.retries > settings.max_retries:
        found["retries"] = {"retries": run.retries, "threshold": settings.max_retries}
    if run.calls > settings.max_calls:
        found["calls"] = {"calls": run.calls, "threshold": settings.max_calls}
    return {name: evidence for name, evidence in found.items() if name not in run.flags}


def with_flags(run: RunRecord, names: Sequence[str]) -> RunRecord:
    """The run with more flags recorded."""
    return replace(run, flags=tuple(sorted({*run.flags, *names})))
