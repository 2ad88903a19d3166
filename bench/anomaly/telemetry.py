"""The scenario with no recorded changes: each synthetic agent's calls carry what it ran as (model, version, prompt
hash), the injected causes show in them as they would in real telemetry (a model swap, a deploy, a prompt edit), with
noise besides (benign deploys, stray calls to another model, a prompt hash that changes on every call for some agents);
the changes `ledger.watch` sees in those calls are the only candidates attribution gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from bench.anomaly.synth import AgentCase
from ledger.anomaly import ChangeEvent
from ledger.timeutil import from_us, to_us
from ledger.watch import HOUR_US, AgentWatch, Seen, change_of, observe

__all__ = ["MAX_CALLS_PER_HOUR", "observed"]

H = timedelta(hours=1)
MAX_CALLS_PER_HOUR = 20  # calls drawn per hour (telemetry sampled): enough for the thresholds, cheap to fold
# where the injected cause shows in an agent's own calls (a dependency's deploy, a schedule edit do not)
_SHOWS = {"model": "model", "vault_edit": "model", "deploy": "deploy", "prompt": "prompt_hash"}


Point = tuple[datetime, str]  # when a watched field takes a new value, and which field


def _points(case: AgentCase, rng: np.random.Generator) -> tuple[list[Point], Point | None]:
    """When each watched field changes value: benign deploys at random, and the injected cause (field, time) when the
    agent's own calls show it."""
    n = len(case.series)
    points = [(case.start + float(rng.uniform(24, n)) * H, "deploy") for _ in range(int(rng.integers(1, 4)))]
    truth, cause = case.truth, None
    if truth is not None:
        onset = case.start + truth.onset * H
        recorded = next((c for c in case.changes if c.id == truth.cause), None)
        if truth.kind == "model_swap":
            cause = (onset, "model")  # the calls switch model at onset, whoever recorded what
        elif recorded is not None and recorded.graph_distance == 0 and recorded.kind in _SHOWS:
            cause = (recorded.ts, _SHOWS[recorded.kind])
    if cause is not None and cause[1] != "model":
        points.append(cause)
    return sorted(points), cause


Call = tuple[int, dict[str, str | None], float]  # (ts in us, watched values, spend), as `observe` takes them


def _calls(case: AgentCase, rng: np.random.Generator, points: list[Point], flipping: bool) -> list[Call]:
    """The agent's calls, hour by hour, spread over each hour, carrying the values in effect."""
    series = case.series
    version, prompt = 0, 0
    pending = list(points)
    out: list[Call] = []
    for h in range(len(series)):
        k = min(int(series.calls[h]), MAX_CALLS_PER_HOUR)
        if k <= 0:
            continue
        large = series.model_cost.get("m-large", [0.0] * len(series))[h] > 0
        for i in range(k):
            ts = case.start + (h + (i + 0.5) / k) * H
            while pending and pending[0][0] <= ts:
                field = pending.pop(0)[1]
                version += field == "deploy"
                prompt += field == "prompt_hash"
                if flipping and field == "prompt_hash":
                    flipping = False  # a prompt edit settles it
            model = "m-large" if large else "m-small"
            if rng.random() < 0.003:
                model = "m-other"  # a stray call
            values: dict[str, str | None] = {"model": model, "deploy": f"version {version}",
                                             "prompt_hash": f"h{rng.integers(10**9)}" if flipping else f"p{prompt}"}
            out.append((to_us(ts), values, series.cost[h] / k))
    return out


def _matches(seen: Seen, cause: Point) -> bool:
    at = to_us(cause[0])
    return seen.field == cause[1] and seen.what == "switch" and at - HOUR_US <= seen.ts <= at + 3 * HOUR_US


def observed(case: AgentCase, seed: int) -> AgentCase:
    """The case with its recorded changes replaced by what `ledger.watch` sees in its calls; its truth's cause is the
    seen change of the injected cause (an id no candidate has when the watch missed it), None when the calls cannot
    show it (a dependency's change, a schedule edit, plain growth)."""
    rng = np.random.default_rng(seed)
    points, cause = _points(case, rng)
    flipping = rng.random() < 0.1
    seen = observe(AgentWatch(), case.name, _calls(case, rng, points, flipping))
    changes = []
    for s in seen:
        event = change_of(s)
        cid = f"{case.name}-seen-{s.field}-{s.ts}"
        changes.append(ChangeEvent(cid, from_us(s.ts), case.name, event["kind"], event["summary"], graph_distance=0,
                                   details=event["details"]))
    truth = case.truth
    if truth is not None:
        found = [c for c, s in zip(changes, seen, strict=True) if cause is not None and _matches(s, cause)]
        truth = replace(truth, cause=found[0].id if found else (f"{case.name}-missed" if cause else None))
    return replace(case, changes=changes, truth=truth)
