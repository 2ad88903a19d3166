"""Demo data: months of cost events and change events for the example company, with planted incidents.

Deterministic (same seed, same data) and streamed in time order. `generate` feeds `orgmap demo`, the docs and the
tests; `generate_scaled` makes synthetic companies of any size for benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from orgmap.demo import MIN_DAYS
from orgmap.demo.company import CUSTOMERS, PROFILES, UNATTRIBUTED
from orgmap.demo.engine import AgentProfile, expected_events, stream_events
from orgmap.demo.plan import PlantedIncident, plan_history

__all__ = ["MIN_DAYS", "DemoData", "PlantedIncident", "generate", "generate_scaled", "synthetic_profile"]

_MODELS = (("gpt-4o-mini", "openai"), ("gpt-4.1-mini", "openai"), ("claude-haiku-4-5", "anthropic"),
           ("claude-sonnet-4-5", "anthropic"), ("gpt-4.1", "openai"), ("gemini-2.5-flash", "google"))


@dataclass(frozen=True, slots=True)
class DemoData:
    """A demo window. `cost_events` is a one-pass iterator in time order; call `generate` again for another pass."""

    cost_events: Iterator[dict[str, Any]]
    change_events: list[dict[str, Any]]
    incidents: list[PlantedIncident]
    agents: tuple[str, ...]
    start: datetime
    end: datetime


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(UTC)")
    return moment.astimezone(UTC)


def synthetic_profile(name: str, seed: int, runs_per_day: float | None = None) -> AgentProfile:
    """A plausible profile for an agent the example company does not have (deterministic in `name` and `seed`)."""
    rng = random.Random(f"{seed}:{name}")
    model, provider = rng.choice(_MODELS)
    rhythm = rng.choice(("office", "office", "customer", "steady", "batch"))
    low = rng.randint(1, 3)
    calls = (low, low + rng.randint(0, 3))
    return AgentProfile(name, model, provider, rhythm, runs_per_day or rng.uniform(5, 60), calls,
                        rng.randint(500, 5000), rng.randint(50, 800), batch_hours=(rng.randint(0, 23),),
                        cache_share=0.5 if provider == "anthropic" else 0.0)


def generate(vault_agents: Iterable[str] | None = None, *, seed: int = 7, days: int = 60, now: datetime,
             scale: float = 1.0) -> DemoData:
    """The example company's last `days` days before `now`: cost events, change events and planted incidents.

    With `vault_agents`, only those agents get traffic: names the example company knows keep their profile (and
    their incidents), other names get a synthetic one. Unattributed traffic is always there. `scale` multiplies
    the number of runs (1.0 gives about 200,000 events over 60 days).
    """
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS} (the incidents need a baseline), got {days}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    end = _utc(now)
    start = end - timedelta(days=days)
    known = {profile.name.casefold(): profile for profile in PROFILES}
    if vault_agents is None:
        profiles = list(PROFILES)
    else:
        profiles = [known.get(name.casefold()) or synthetic_profile(name, seed) for name in dict.fromkeys(vault_agents)]
    agents = tuple(profile.name for profile in profiles)
    plan = plan_history(end, days, seed)
    present = set(agents)
    incidents = [replace(incident, agents=kept) for incident in plan.incidents
                 if (kept := tuple(agent for agent in incident.agents if agent in present))]
    events = stream_events((*profiles, *UNATTRIBUTED), start=start.timestamp(), end=end.timestamp(), seed=seed,
                           scale=scale, effects=plan.effects, injected=plan.injected)
    return DemoData(events, plan.changes, incidents, agents, start, end)


def generate_scaled(n_agents: int = 1000, n_events: int = 10_000_000, *, seed: int = 7, days: int = 30,
                    now: datetime | None = None) -> Iterator[dict[str, Any]]:
    """About `n_events` cost events for `n_agents` synthetic agents (agent-0001...), streamed in time order.

    Spend is skewed as in real companies (a few agents dominate). No vault needed; `now` defaults to a fixed date.
    """
    if n_agents < 1 or n_events < 0:
        raise ValueError("n_agents must be at least 1 and n_events not negative")
    end = _utc(now or datetime(2025, 1, 1, tzinfo=UTC))
    width = max(4, len(str(n_agents)))
    weights = [1 / (rank + 1) ** 0.8 for rank in range(n_agents)]
    draft = [synthetic_profile(f"agent-{i + 1:0{width}d}", seed, runs_per_day=w) for i, w in enumerate(weights)]
    draft = [replace(profile, projects=CUSTOMERS) for profile in draft]
    per_day = sum(expected_events(profile) for profile in draft)
    factor = n_events / (per_day * days) if per_day else 0.0
    profiles = [replace(profile, runs_per_day=profile.runs_per_day * factor) for profile in draft]
    start = end - timedelta(days=days)
    return stream_events(profiles, start=start.timestamp(), end=end.timestamp(), seed=seed)
