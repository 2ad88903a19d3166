"""Synthetic companies with ground truth: agents with daily and weekly rhythm, noise, growth, missing hours and
benign spikes; injected anomalies (retry loop, prompt bloat, model swap, cadence, traffic growth) with their true
change logged shortly before onset, some on shared dependencies; and distractor changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ledger.anomaly import ChangeEvent
from ledger.series import HourlySeries

__all__ = ["TYPES", "AgentCase", "Truth", "company"]

TYPES = ("retry_loop", "prompt_bloat", "model_swap", "cadence", "traffic_growth")
FACTOR = {"retry_loop": "retries", "prompt_bloat": "tokens", "model_swap": "price", "cadence": "volume",
          "traffic_growth": "volume"}
CAUSE_KINDS = {"retry_loop": ("deploy",), "prompt_bloat": ("prompt", "deploy"), "model_swap": ("model", "vault_edit"),
               "cadence": ("schedule", "config"), "traffic_growth": ()}
EPOCH = datetime(2025, 1, 6, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass(slots=True)
class Truth:
    kind: str
    onset: int  # hour index
    end: int | None  # hour index (exclusive); None when it lasts to the end
    size: float  # multiplier of the factor that moved
    cause: str | None  # change id, None for no recorded cause
    distance: int = 0
    excess24: float = 0.0  # expected extra dollars over the first 24 hours


@dataclass(slots=True)
class AgentCase:
    name: str
    days: int
    start: datetime
    series: HourlySeries
    truth: Truth | None
    deps: dict[str, int] = field(default_factory=dict)  # node -> graph distance
    changes: list[ChangeEvent] = field(default_factory=list)


@dataclass(slots=True)
class _Plan:
    """An agent's levers, hour by hour, before noise."""

    runs: np.ndarray
    calls_per_run: np.ndarray
    tokens_per_call: np.ndarray
    price: np.ndarray
    retry_share: np.ndarray


def _rhythm(rng: np.random.Generator, n: int, start: datetime) -> tuple[np.ndarray, bool]:
    """Expected runs per hour: level x daily shape x weekly factor x growth; or a daily job."""
    hours = np.arange(n)
    hod = (start.hour + hours) % 24
    dow = (start.weekday() + (start.hour + hours) // 24) % 7
    if rng.random() < 0.15:
        at = int(rng.integers(0, 24))
        return (hod == at).astype(float), True
    level = float(np.exp(rng.normal(np.log(12), 1.1)))
    if rng.random() < 0.6:
        shape = 0.15 + np.exp(-0.5 * ((hod - rng.uniform(11, 16)) / rng.uniform(2.5, 4.5)) ** 2)
    else:
        shape = np.ones(n)
    weekend = rng.uniform(0.3, 1.0) if rng.random() < 0.5 else 1.0
    weekly = np.where(dow >= 5, weekend, 1.0)
    growth = np.exp(rng.normal(0, 0.008) * hours / 24) if rng.random() < 0.5 else 1.0
    return level * shape / shape.mean() * weekly * growth, False


def _realise(rng: np.random.Generator, plan: _Plan, sigma: float, model: str, swap: tuple[int, str] | None):
    """Draw counts and costs from the plan (Poisson runs and calls, lognormal tokens per call)."""
    runs = rng.poisson(plan.runs).astype(float)
    calls = runs + rng.poisson(runs * (plan.calls_per_run - 1))
    retries = rng.binomial(calls.astype(int), np.clip(plan.retry_share, 0, 1)).astype(float)
    spread = sigma / np.sqrt(np.maximum(calls, 1))
    tokens = calls * plan.tokens_per_call * np.exp(rng.normal(-spread**2 / 2, spread))
    cost = tokens * plan.price
    models = {model: cost.copy()}
    if swap is not None:
        at, new = swap
        models[new] = np.where(np.arange(len(cost)) >= at, cost, 0.0)
        models[model][at:] = 0.0
    return runs, calls, tokens, retries, cost, models


def _plan_cost(plan: _Plan) -> np.ndarray:
    return plan.runs * plan.calls_per_run * plan.tokens_per_call * plan.price


def _inject(rng: np.random.Generator, plan: _Plan, kind: str, onset: int, n: int, cause: str | None,
            distance: int) -> Truth:
    """Apply an anomaly to the plan; return its truth."""
    before = _plan_cost(plan)
    stop, size = _apply(rng, plan, kind, onset, n)
    excess = float((_plan_cost(plan) - before)[onset : onset + 24].sum())
    return Truth(kind, onset, stop, size, cause, distance, excess)


def _apply(rng: np.random.Generator, plan: _Plan, kind: str, onset: int, n: int) -> tuple[int | None, float]:
    if kind == "retry_loop":
        size, end = float(rng.uniform(5, 20)), onset + int(rng.integers(3, 9))
        plan.calls_per_run[onset:end] *= size
        plan.retry_share[onset:end] = 1 - 1 / size
        return min(end, n), size
    if kind == "prompt_bloat":
        size = float(rng.uniform(1.3, 1.8))
        plan.tokens_per_call[onset:] *= size
    elif kind == "model_swap":
        size = float(rng.uniform(5, 15))
        plan.price[onset:] *= size
    elif kind == "cadence":
        size = 24.0
        plan.runs[onset:] = 1.0
    else:
        size = float(rng.uniform(1.3, 3.0))
        plan.runs[onset:] *= 1 + (size - 1) * np.clip((np.arange(n - onset) + 1) / 4, 0, 1)
    return None, size


def _change(cid: str, ts: datetime, target: str, kind: str, distance: int | None, planned: bool = False):
    details = {"property": "model", "old": "m-small", "new": "m-large"} if kind == "vault_edit" else {}
    return ChangeEvent(cid, ts, target, kind, f"{kind} on {target}", ref=cid, planned=planned,
                       graph_distance=distance, details=details)


def company(seed: int, n_agents: int, anomaly_rate: float = 0.5) -> list[AgentCase]:
    """One company: agents depend on tools (distance 1) that depend on systems (distance 2)."""
    rng = np.random.default_rng(seed)
    tools = [f"c{seed}-tool{i}" for i in range(max(3, n_agents // 6))]
    systems = [f"c{seed}-sys{i}" for i in range(max(2, n_agents // 15))]
    tool_sys = {t: systems[int(rng.integers(len(systems)))] for t in tools}
    end = EPOCH + timedelta(days=int(rng.integers(0, 60)))
    cases: list[AgentCase] = []
    plans, meta = [], []
    for i in range(n_agents):
        days = int(rng.choice([7, 14, 28]))
        start = end - timedelta(days=days)
        n = days * 24
        deps = {t: 1 for t in rng.choice(tools, size=int(rng.integers(1, 4)), replace=False)}
        deps |= {tool_sys[t]: 2 for t in list(deps)}
        runs, daily_job = _rhythm(rng, n, start)
        plan = _Plan(runs, np.full(n, rng.uniform(1, 3)), np.full(n, np.exp(rng.normal(np.log(4000), 0.7))),
                     np.full(n, np.exp(rng.normal(np.log(5e-6), 0.9))), np.full(n, rng.uniform(0, 0.04)))
        cases.append(AgentCase(f"c{seed}-agent{i}", days, start, None, None, deps))  # type: ignore[arg-type]
        plans.append(plan)
        meta.append(daily_job)
    # shared causes: a tool deploy (retries) or a system's model change (price) hits every dependent
    changes: list[ChangeEvent] = []
    for j, node in enumerate([tools[int(rng.integers(len(tools)))], systems[int(rng.integers(len(systems)))]]):
        kind = "retry_loop" if j == 0 else "model_swap"
        when = end - timedelta(hours=int(rng.integers(30, 24 * 4)))
        cid = f"c{seed}-shared{j}"
        hit = [c for c, daily_job in zip(cases, meta, strict=True) if node in c.deps and c.truth is None
               and not daily_job and (when - c.start) / H > 60][:6]
        if len(hit) < 2:
            continue
        lag = float(rng.uniform(0.2, 2))
        changes.append(_change(cid, when - timedelta(hours=lag), node, "deploy" if j == 0 else "model", None))
        for case in hit:
            onset = int((when - case.start) / H)
            idx = cases.index(case)
            case.truth = _inject(rng, plans[idx], kind, onset, case.days * 24, cid, case.deps[node])
    # own anomalies
    for case, plan, daily_job in zip(cases, plans, meta, strict=True):
        n = case.days * 24
        if case.truth is not None or rng.random() >= anomaly_rate:
            continue
        kind = "cadence" if daily_job else str(rng.choice([t for t in TYPES if t != "cadence"]))
        onset = int(rng.integers(60, n - 30))
        cause = f"{case.name}-cause" if CAUSE_KINDS[kind] else None
        if cause:
            ts = case.start + (onset - float(rng.uniform(0.1, 3))) * H
            changes.append(_change(cause, ts, case.name, str(rng.choice(CAUSE_KINDS[kind])), 0))
        case.truth = _inject(rng, plan, kind, onset, n, cause, 0)
    # distractors, benign changes, noise; then draw the series
    for k, (case, plan) in enumerate(zip(cases, plans, strict=True)):
        n = case.days * 24
        for b in range(int(rng.integers(1, 4))):
            ts = case.start + float(rng.uniform(24, n)) * H
            changes.append(_change(f"{case.name}-benign{b}", ts, case.name, str(rng.choice(["deploy", "config"])), 0))
        if case.truth is not None:
            t0 = case.start + case.truth.onset * H
            fitting = (CAUSE_KINDS[case.truth.kind] or ("deploy",))[0]
            changes.append(_change(f"{case.name}-old", t0 - float(rng.uniform(20, 46)) * H, case.name, fitting, 0))
            changes.append(_change(f"{case.name}-late", t0 + float(rng.uniform(2, 30)) * H, case.name, fitting, 0))
            spare = [d for d, dist in case.deps.items() if dist == 1 and (d not in {c.target for c in changes
                     if c.id == case.truth.cause})]
            other = spare[0] if spare else cases[(k + 1) % len(cases)].name
            changes.append(_change(f"{case.name}-unrel", t0 - float(rng.uniform(0, 2)) * H, other, "deploy", 0))
        for s in rng.choice(n, size=int(rng.integers(0, 3)), replace=False):
            plan.runs[s] *= rng.uniform(2, 4)  # benign one-off spike
        swap = None
        if case.truth is not None and case.truth.kind == "model_swap":
            swap = (case.truth.onset, "m-large")
        sigma = float(rng.uniform(0.2, 0.6))
        runs, calls, tokens, retries, cost, models = _realise(rng, plan, sigma, "m-small", swap)
        missing = rng.random(n) < 0.01
        for g in rng.choice(n, size=int(rng.integers(0, 2)), replace=False):
            missing[g : g + int(rng.integers(2, 6))] = True
        keep = ~missing
        inp = tokens * 0.8
        case.series = HourlySeries(
            case.name, case.start, (cost * keep).tolist(), (runs * keep).tolist(), (calls * keep).tolist(),
            (inp * keep).tolist(), ((tokens - inp) * keep).tolist(), (retries * keep).tolist(),
            {m: (v * keep).tolist() for m, v in models.items()},
        )
    for case in cases:
        dist = case.deps | {case.name: 0}
        case.changes = [ChangeEvent(c.id, c.ts, c.target, c.kind, c.summary, c.ref, c.planned,
                                    dist.get(c.target), 0, 0, c.details) for c in changes]
    return cases
