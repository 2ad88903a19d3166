"""The demo traffic engine: turns agent profiles and planted effects into a time-ordered stream of cost events.

Pure and deterministic (one `random.Random(seed)`), streamed hour by hour so months of events never sit in memory.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import itemgetter
from statistics import NormalDist
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
        """How much of the effect is in force at `t`: 0 outside, 0..1 while ramping, 1 after.

        >>> growth = Effect("Tracking Assistant", start=0, end=100, ramp_s=10, runs_x=2)
        >>> [growth.weight(t) for t in (-1, 5, 50, 100)]
        [0.0, 0.5, 1.0, 0.0]
        """
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
    hour: int = -1
    prefix: str = ""


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


def _spread(sigma: float, size: int = 1024) -> tuple[float, ...]:
    """Lognormal multipliers with mean 1 at evenly spaced quantiles: `table[int(random() * size)]` is a fast draw."""
    normal = NormalDist()
    return tuple(math.exp(sigma * normal.inv_cdf((i + 0.5) / size) - sigma * sigma / 2) for i in range(size))


_OUTPUT_SPREAD = _spread(0.45)
_RUN_SPREAD = _spread(0.4)


def _run(state: _State, profile: AgentProfile, effects: Sequence[Effect], start_ms: int,
         run_id: str, attempts: int | None, out: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one run's events (fees first, then its LLM calls with their retries) to `out`.

    Events get `id` and `ts` placeholders first (so every event's keys come in the same order); the stream fills them.
    """
    random_ = state.rng.random
    calls_x = fees_x = tokens_x = 1.0
    retry_rate, model = 0.0, None
    for effect in effects:
        if not (w := effect.weight(start_ms / 1000)):
            continue
        calls_x *= 1 + (effect.calls_x - 1) * w
        fees_x *= 1 + (effect.fees_x - 1) * w
        tokens_x *= 1 + (effect.tokens_x - 1) * w
        retry_rate = max(retry_rate, effect.retry_rate * w)
        model = effect.model or model
    model = model or profile.model
    agent = profile.name
    roll = random_()
    for name, share in profile.names:
        if roll < share:
            agent = name
            break
        roll -= share
    projects = profile.projects
    project = projects[int(random_() * len(projects))]
    task, provider, kind = profile.task, profile.provider, profile.kind
    t = start_ms
    for fee in profile.fees:
        for _ in range(_poisson(state.rng, fee.per_run * fees_x)):
            t += 40 + int(random_() * 360)
            out.append((t, {"id": "", "ts": "", "agent": agent, "kind": fee.kind, "tool": fee.tool,
                            "cost_usd": fee.usd, "run_id": run_id, "project": project, "task": task,
                            "source": "demo"}))
    low, high = profile.calls_per_run
    calls = attempts or max(1, round((low + int(random_() * (high - low + 1))) * calls_x))
    base = profile.input_tokens * tokens_x * _RUN_SPREAD[int(random_() * 1024)]
    mean_output, cache_share, reasoning_share = profile.output_tokens, profile.cache_share, profile.reasoning_share
    usd_per_1k, error_rate, llm = profile.usd_per_1k_tokens, profile.error_rate, kind == "llm"
    for step in range(calls):
        tries = 2 + int(random_() * 4) if retry_rate and random_() < retry_rate else 1
        context = base * min(1 + 0.4 * step, 6.0)
        for attempt in range(tries):
            inp = max(1, int(context * (0.9 + 0.2 * random_())))
            output = max(1, int(mean_output * _OUTPUT_SPREAD[int(random_() * 1024)])) if llm else 0
            # A runaway run fails every attempt but its last; an ordinary retried call fails all but its last try.
            failed = (step < calls - 1 if attempts else attempt < tries - 1) or random_() < error_rate
            event: dict[str, Any] = {"id": "", "ts": "", "agent": agent, "kind": kind, "model": model,
                                     "provider": provider, "input_tokens": inp, "output_tokens": output}
            if cache_share:
                key = "cache_write_tokens" if random_() < 0.12 else "cache_read_tokens"
                event[key] = int(inp * cache_share)
            if reasoning_share:
                event["reasoning_tokens"] = int(output * reasoning_share)
            if usd_per_1k is not None:
                event["cost_usd"] = round((inp + output) * usd_per_1k / 1000, 6)
            duration = int(250 + output * (8 + 17 * random_()) + inp * 0.02)
            event["run_id"], event["project"], event["task"], event["source"] = run_id, project, task, "demo"
            event["retry"], event["status"] = (step if attempts else attempt), ("error" if failed else "ok")
            event["duration_ms"] = duration
            t += duration + 20 + int(random_() * 880)
            out.append((t, event))


_SECONDS = tuple(f"{second // 60:02d}:{second % 60:02d}." for second in range(HOUR))
_MILLIS = tuple(f"{ms:03d}+00:00" for ms in range(1000))


def _timestamp(state: _State, ms: int) -> str:
    """ISO 8601 in UTC with milliseconds, built from cached parts (formatting is most of an event's cost)."""
    hour, rest = divmod(ms, HOUR * 1000)
    if hour != state.hour:
        state.hour, state.prefix = hour, datetime.fromtimestamp(hour * HOUR, UTC).strftime("%Y-%m-%dT%H:")
    return state.prefix + _SECONDS[rest // 1000] + _MILLIS[rest % 1000]


def stream_events(profiles: Sequence[AgentProfile], *, start: float, end: float, seed: int, scale: float = 1.0,
                  effects: Iterable[Effect] = (), injected: Iterable[InjectedRun] = ()) -> Iterator[dict[str, Any]]:
    """Cost events in time order for `profiles` from `start` to `end` (epoch seconds, end exclusive)."""
    state = _State(random.Random(seed), f"demo{seed}-{int(end):x}")
    by_agent: dict[str, list[Effect]] = {}
    for effect in effects:
        by_agent.setdefault(effect.agent, []).append(effect)
    planned = sorted(injected, key=lambda run: run.start)
    names = {profile.name: profile for profile in profiles}
    pending: list[tuple[int, dict[str, Any]]] = []
    start_ms, end_ms = int(start * 1000), int(end * 1000)
    # Expected runs per hour of the week (168 slots), per profile; batch runs start in their hour's first 40 minutes.
    weeks = [[_rhythm(profile, slot // 24, slot % 24) * scale for slot in range(168)] for profile in profiles]
    spreads = [2400 if profile.rhythm == "batch" else HOUR for profile in profiles]
    hour = int(start) // HOUR * HOUR
    while hour < end:
        moment = datetime.fromtimestamp(hour, UTC)
        day, hod = moment.weekday(), moment.hour
        for profile, week, spread in zip(profiles, weeks, spreads, strict=True):
            lam = week[day * 24 + hod]
            own = by_agent.get(profile.name)
            # Effects that touch this hour: the run count follows their weight at mid-hour, each run its own start.
            touching = [e for e in own if e.start < hour + HOUR and e.end > hour] if own else []
            for effect in touching:
                if not (w := effect.weight(hour + HOUR / 2)):
                    continue
                if effect.batch_hours is not None:
                    lam = _rhythm(replace(profile, batch_hours=effect.batch_hours), day, hod) * scale
                lam *= 1 + (effect.runs_x - 1) * w
            if lam <= 0:
                continue
            for _ in range(_poisson(state.rng, lam)):
                run_start = (hour + state.rng.random() * spread) * 1000
                _run(state, profile, touching, int(run_start), f"run_{state.rng.getrandbits(48):012x}", None, pending)
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
            event["id"], event["ts"] = f"{state.id_prefix}-{state.seq}", _timestamp(state, ms)
            yield event
        del pending[:ready]

