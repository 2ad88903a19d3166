"""The demo traffic engine: turns agent profiles and planted effects into a time-ordered stream of cost events.

Pure and deterministic (one `random.Random(seed)`), streamed hour by hour so months of events never sit in memory.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

__all__ = ["AgentProfile", "Effect", "Fee", "InjectedRun", "expected_events", "stream_events"]

HOUR = 3600
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
# Relative load per UTC hour on a weekday, and the weekend factor, for each rhythm.
SHAPES: dict[str, tuple[tuple[float, ...], float]] = {
    "office": (
        (.04, .03, .03, .03, .04, .08, .2, .5, .9, 1, 1, .95, .8, .95, 1, 1, .9, .7, .45, .25, .15, .1, .07, .05), .12),
    "customer": ((.25, .2, .15, .12, .12, .15, .3, .55, .8, .95, 1, 1, .95, 1, 1, 1, .95, .9, .8, .7, .6, .5, .4, .3),
                 .45),
    "steady": ((.8,) * 7 + (1.1,) * 12 + (.9,) * 5, .8),
}


@dataclass(frozen=True, slots=True)
class Fee:
    """A priced non-LLM call made during a run: `per_run` calls on average, `usd` each."""

    kind: str  # "tool" or "retrieval"
    tool: str
    usd: float
    per_run: float = 1.0


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """How one agent behaves: when it runs, how many calls a run makes, how many tokens, on which model."""

    name: str
    model: str
    provider: str
    rhythm: str = "office"  # office | customer | steady | batch
    runs_per_day: float = 50.0  # on a weekday (batch: per scheduled day)
    calls_per_run: tuple[int, int] = (1, 3)
    input_tokens: int = 2000  # mean input of a run's first call; later calls carry the growing context
    output_tokens: int = 300
    batch_hours: tuple[int, ...] = ()
    batch_weekdays: tuple[int, ...] = ALL_DAYS
    cache_share: float = 0.0  # share of input served from (or written to) the prompt cache
    reasoning_share: float = 0.0  # share of output spent reasoning
    kind: str = "llm"  # llm | embedding
    names: tuple[tuple[str, float], ...] = ()  # other names (aliases, cost keys) a run reports, with their share
    fees: tuple[Fee, ...] = ()
    projects: tuple[str, ...] = ("internal",)
    task: str = "run"
    error_rate: float = 0.01
    usd_per_1k_tokens: float | None = None  # set: events carry an explicit cost_usd (a billing proxy's figure)


@dataclass(frozen=True, slots=True)
class Effect:
    """A planted change in an agent's behaviour from `start` to `end` (epoch seconds), ramped in over `ramp_s`."""

    agent: str
    start: float = -math.inf
    end: float = math.inf
    ramp_s: float = 0.0
    runs_x: float = 1.0
    calls_x: float = 1.0
    fees_x: float = 1.0
    tokens_x: float = 1.0
    model: str | None = None
    retry_rate: float = 0.0  # share of calls that fail and are retried (1-4 more attempts)
    batch_hours: tuple[int, ...] | None = None

    def weight(self, t: float) -> float:
        """How much of the effect is in force at `t`: 0 outside, 0..1 while ramping, 1 after."""
        if t < self.start or t >= self.end:
            return 0.0
        return 1.0 if self.ramp_s <= 0 else min(1.0, (t - self.start) / self.ramp_s)


@dataclass(frozen=True, slots=True)
class InjectedRun:
    """One planted run (e.g. a runaway retry loop) at a fixed time with a known run id."""

    agent: str
    start: float
    run_id: str
    attempts: int


@dataclass(slots=True)
class _State:
    rng: random.Random
    id_prefix: str
    seq: int = 0
    prefixes: dict[int, str] = field(default_factory=dict)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _rhythm(profile: AgentProfile, weekday: int, hour: int) -> float:
    """Expected runs of `profile` in hour `hour` (UTC) of a `weekday` (0 = Monday), before effects and scale."""
    if profile.rhythm == "batch":
        if weekday in profile.batch_weekdays and hour in profile.batch_hours:
            return profile.runs_per_day / len(profile.batch_hours)
        return 0.0
    shape, weekend = SHAPES[profile.rhythm]
    return profile.runs_per_day * shape[hour] / sum(shape) * (weekend if weekday >= 5 else 1.0)


def expected_events(profile: AgentProfile) -> float:
    """The average number of events `profile` emits per day (a week's mean), without effects."""
    per_run = sum(profile.calls_per_run) / 2 + sum(fee.per_run for fee in profile.fees)
    batch = profile.rhythm == "batch"
    days = len(profile.batch_weekdays) / 7 if batch else (5 + 2 * SHAPES[profile.rhythm][1]) / 7
    return profile.runs_per_day * days * per_run


def _lognormal(rng: random.Random, mean: float, sigma: float = 0.45) -> int:
    return max(1, int(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)))


def _run(state: _State, profile: AgentProfile, active: Sequence[tuple[Effect, float]], start_ms: int,
         run_id: str, attempts: int | None, out: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one run's events (fees first, then its LLM calls with their retries) to `out`."""
    rng = state.rng
    calls_x = fees_x = tokens_x = 1.0
    retry_rate, model = 0.0, None
    for effect, w in active:
        calls_x *= 1 + (effect.calls_x - 1) * w
        fees_x *= 1 + (effect.fees_x - 1) * w
        tokens_x *= 1 + (effect.tokens_x - 1) * w
        retry_rate = max(retry_rate, effect.retry_rate * w)
        model = effect.model or model
    model = model or profile.model
    agent = profile.name
    roll = rng.random()
    for name, share in profile.names:
        if roll < share:
            agent = name
            break
        roll -= share
    project = profile.projects[0] if len(profile.projects) == 1 else rng.choice(profile.projects)
    t = start_ms
    common = {"run_id": run_id, "project": project, "task": profile.task, "source": "demo"}
    for fee in profile.fees:
        for _ in range(_poisson(rng, fee.per_run * fees_x)):
            t += rng.randint(40, 400)
            out.append((t, {"agent": agent, "kind": fee.kind, "tool": fee.tool, "cost_usd": fee.usd, **common}))
    low, high = profile.calls_per_run
    calls = attempts or max(1, round(rng.randint(low, high) * calls_x))
    base = profile.input_tokens * tokens_x * rng.lognormvariate(-0.08, 0.4)
    for step in range(calls):
        tries = 1 + rng.randint(1, 4) if retry_rate and rng.random() < retry_rate else 1
        for attempt in range(tries):
            inp = max(1, int(base * min(1 + 0.4 * step, 6.0) * rng.uniform(0.9, 1.1)))
            event: dict[str, Any] = {"agent": agent, "kind": profile.kind, "model": model,
                                     "provider": profile.provider, "input_tokens": inp}
            if profile.kind == "llm":
                output = _lognormal(rng, profile.output_tokens)
                event["output_tokens"] = output
                if profile.cache_share:
                    cached = int(inp * profile.cache_share)
                    event["cache_write_tokens" if rng.random() < 0.12 else "cache_read_tokens"] = cached
                if profile.reasoning_share:
                    event["reasoning_tokens"] = int(output * profile.reasoning_share)
            else:
                event["output_tokens"] = output = 0
            if profile.usd_per_1k_tokens is not None:
                event["cost_usd"] = round((inp + output) * profile.usd_per_1k_tokens / 1000, 6)
            # A runaway run fails every attempt but its last; an ordinary retried call fails all but its last try.
            failed = (step < calls - 1 if attempts else attempt < tries - 1) or rng.random() < profile.error_rate
            duration = int(250 + output * rng.uniform(8, 25) + inp * 0.02)
            event.update(common, retry=step if attempts else attempt, status="error" if failed else "ok",
                         duration_ms=duration)
            t += duration + rng.randint(20, 900)
            out.append((t, event))


def _timestamp(state: _State, ms: int) -> str:
    hour = ms // (HOUR * 1000)
    prefix = state.prefixes.get(hour)
    if prefix is None:
        prefix = datetime.fromtimestamp(hour * HOUR, UTC).strftime("%Y-%m-%dT%H:")
        state.prefixes = {hour: prefix}
    rest = ms - hour * HOUR * 1000
    return f"{prefix}{rest // 60000:02d}:{rest // 1000 % 60:02d}.{rest % 1000:03d}+00:00"


def stream_events(profiles: Sequence[AgentProfile], *, start: float, end: float, seed: int, scale: float = 1.0,
                  effects: Iterable[Effect] = (), injected: Iterable[InjectedRun] = ()) -> Iterator[dict[str, Any]]:
    """Cost events in time order for `profiles` from `start` to `end` (epoch seconds, end exclusive)."""
    state = _State(random.Random(seed), f"demo{seed}")
    by_agent: dict[str, list[Effect]] = {}
    for effect in effects:
        by_agent.setdefault(effect.agent, []).append(effect)
    planned = sorted(injected, key=lambda run: run.start)
    names = {profile.name: profile for profile in profiles}
    pending: list[tuple[int, dict[str, Any]]] = []
    start_ms, end_ms = int(start * 1000), int(end * 1000)
    hour = int(start) // HOUR * HOUR
    while hour < end:
        moment = datetime.fromtimestamp(hour, UTC)
        day, hod = moment.weekday(), moment.hour
        for profile in profiles:
            active = [(e, w) for e in by_agent.get(profile.name, ()) if (w := e.weight(hour + HOUR / 2)) > 0]
            lam = _rhythm(profile, day, hod)
            for effect, w in active:
                if effect.batch_hours is not None:
                    lam = _rhythm(replace(profile, batch_hours=effect.batch_hours), day, hod)
                lam *= 1 + (effect.runs_x - 1) * w
            spread = 2400 if profile.rhythm == "batch" else HOUR
            for _ in range(_poisson(state.rng, lam * scale)):
                run_start = (hour + state.rng.random() * spread) * 1000
                _run(state, profile, active, int(run_start), f"run_{state.rng.getrandbits(48):012x}", None, pending)
        while planned and planned[0].start < hour + HOUR:
            run = planned.pop(0)
            if run.agent in names:
                _run(state, names[run.agent], (), int(run.start * 1000), run.run_id, run.attempts, pending)
        hour += HOUR
        pending.sort(key=itemgetter(0))
        ready = bisect_left(pending, min(hour * 1000, end_ms), key=itemgetter(0))
        for ms, event in pending[:ready]:
            if ms < start_ms:
                continue
            state.seq += 1
            yield {"id": f"{state.id_prefix}-{state.seq}", "ts": _timestamp(state, ms), **event}
        del pending[:ready]

