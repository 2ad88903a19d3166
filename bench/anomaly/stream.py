"""Run detection on a synthetic company as the hours arrive (a pass every `pass_hours`), then fill in peers moved
and re-rank causes, as the integrator does; and run the naive 3x-trailing-median detector on the same series."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from bench.anomaly.synth import AgentCase, company
from bench.anomaly.telemetry import observed
from ledger.anomaly import Anomaly, AnomalyConfig, detect, explain, with_peers

__all__ = ["AgentResult", "Found", "naive", "run_company"]

H = timedelta(hours=1)


@dataclass(slots=True)
class Found:
    """A detection: onset and first-reported hour (indices), the cause ranking, and the anomaly when ours."""

    onset: int
    seen: int
    ranked: list[str]
    abstained: bool
    factor: str | None = None
    anomaly: Anomaly | None = None


@dataclass(slots=True)
class AgentResult:
    case: AgentCase
    ours: list[Found] = field(default_factory=list)
    plain: list[Found] = field(default_factory=list)
    passes: int = 0
    seconds: float = 0.0


def _stream(case: AgentCase, config: AnomalyConfig, pass_hours: int, result: AgentResult) -> dict[str, tuple]:
    seen: dict[str, tuple[int, Anomaly]] = {}
    n = len(case.series)
    for hour in range(49, n + 1, pass_hours):
        t0 = time.process_time()
        found = detect(case.series, case.start + hour * H, config, case.changes, known=[a for _, a in seen.values()])
        result.seconds += time.process_time() - t0
        result.passes += 1
        for anomaly in found:
            first = seen.get(anomaly.id, (hour, anomaly))[0]
            seen[anomaly.id] = (first, anomaly)
    return seen



def naive(case: AgentCase, config: AnomalyConfig) -> list[Found]:
    """Alarm when an hour costs more than 3x the median of the trailing 7 days; alarms 6 h apart are one
    incident; the cause is the nearest change before onset (on the agent or a dependency)."""
    cost = np.asarray(case.series.cost)
    found: list[Found] = []
    last = -100
    for t in range(48, len(cost)):
        if cost[t] > 3 * np.median(cost[max(0, t - 168) : t]) and cost[t] > 0:
            if t - last > config.quiet_hours:
                onset = case.start + t * H
                near = [c for c in case.changes if c.graph_distance is not None
                        and timedelta(0) <= onset - c.ts <= timedelta(hours=config.attribution_window_hours)]
                near.sort(key=lambda c: onset - c.ts)
                found.append(Found(t, t + 1, [c.id for c in near[:3]], not near))
            last = t
    return found


def _found(anomaly: Anomaly, seen: int, start) -> Found:
    return Found(
        int((anomaly.onset - start) / H), seen, [c.change.id for c in anomaly.candidates], anomaly.abstained,
        anomaly.factor, anomaly,
    )


def run_company(seed: int, n_agents: int, pass_hours: int, config: AnomalyConfig,
                telemetry: bool = False) -> list[AgentResult]:
    """Stream every agent of one company, then re-rank causes with peers moved. With `telemetry`, no change is
    recorded: the candidates are the changes seen in the agents' calls (`bench.anomaly.telemetry`)."""
    cases = company(seed, n_agents)
    if telemetry:
        cases = [observed(case, seed * 1000 + i) for i, case in enumerate(cases)]
    results, latest = [], {}
    for case in cases:
        result = AgentResult(case)
        latest[case.name] = _stream(case, config, pass_hours, result)
        result.plain = naive(case, config)
        results.append(result)
    everything = [a for seen in latest.values() for _, a in seen.values()]
    dependents: dict[str, set[str]] = {}
    for case in cases:
        for node in case.deps:
            dependents.setdefault(node, set()).add(case.name)
    for result in results:
        case = result.case
        changes = with_peers(case.changes, case.name, everything, dependents, config)
        for first, anomaly in latest[case.name].values():
            result.ours.append(_found(explain(anomaly, changes, config), first, case.start))
        result.ours.sort(key=lambda f: f.onset)
    return results
