"""The example company's history: change events, the effects they have on traffic, and the planted incidents.

Each incident comes with its ground truth (which agents, when, which cost factor moved, which change caused it), so
anomaly detection and change attribution can be scored against the demo data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orgmap.demo.engine import Effect, InjectedRun

__all__ = ["Plan", "PlantedIncident", "plan_history"]

DAY = 86400
RETRIEVER_CALLERS = ("Support Triage Agent", "Docs Assistant", "Onboarding Buddy")


@dataclass(frozen=True, slots=True)
class PlantedIncident:
    """Ground truth for one planted incident.

    `factor` names what moved in cost = runs x calls per run x tokens per call x price per token (+ retries):
    one of `retries`, `price_per_token`, `tokens_per_run`, `calls_per_run`, `runs`; `size` is its expected multiple.
    `cause_change_id` is the id of the change event that caused it, None when no change was recorded.
    """

    name: str
    kind: str  # retry_loop | model_switch | prompt_bloat | dependency_change | unexplained_growth
    agents: tuple[str, ...]
    onset: datetime
    end: datetime | None
    factor: str
    size: float
    cause_change_id: str | None
    summary: str
    run_id: str | None = None  # the runaway run, for retry loops


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything planted in a demo window: change events (dicts per docs/events.md), effects, runs, incidents."""

    changes: list[dict[str, Any]]
    effects: list[Effect]
    injected: list[InjectedRun]
    incidents: list[PlantedIncident]


def _at(now: datetime, days: int, fraction: float, hour: int, minute: int) -> datetime:
    """A working-day moment about `fraction` of the window before `now` (weekends move back to Friday)."""
    day = (now - timedelta(days=fraction * days)).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= timedelta(days=max(0, day.weekday() - 4))
    return day + timedelta(hours=hour, minutes=minute)


def plan_history(now: datetime, days: int, seed: int) -> Plan:
    """The changes and incidents of the example company for the `days` before `now` (deterministic in `seed`)."""
    rng = random.Random(f"plan:{seed}")
    changes: list[dict[str, Any]] = []

    def change(when: datetime, target: str, kind: str, summary: str, author: str, **extra: Any) -> str:
        ident = f"demo{seed}-chg-{len(changes) + 1:02d}"
        changes.append({"id": ident, "ts": when.isoformat(), "target": target, "kind": kind, "summary": summary,
                        "ref": f"{rng.getrandbits(28):07x}", "author": author, "source": "demo", **extra})
        return ident

    rollout = timedelta(minutes=5)
    ts = datetime.timestamp
    effects: list[Effect] = []
    incidents: list[PlantedIncident] = []

    change(_at(now, days, 0.8, 9, 30), "Vector Store", "dependency", "pgvector extension upgraded 0.7 -> 0.8",
           "Aisha Okafor")
    change(_at(now, days, 0.67, 10, 10), "Support Triage Agent", "deploy",
           "v1.14: detect the ticket's language before classifying", "Grace Liu")

    when = _at(now, days, 0.57, 14, 20)
    cause = change(when, "Support Reply Agent", "prompt",
                   "Reply prompt v12: add six worked examples and the full refund policy", "Samir Haddad")
    effects.append(Effect("Support Reply Agent", start=ts(when + rollout), tokens_x=1.6))
    incidents.append(PlantedIncident("prompt-bloat", "prompt_bloat", ("Support Reply Agent",), when + rollout, None,
                                     "tokens_per_run", 1.6, cause, "Input tokens per run x1.6 after prompt v12"))

    change(_at(now, days, 0.5, 11, 0), "Docs Assistant", "prompt",
           "Answer in at most five sentences and link the source page", "Tomás Ortega")
    change(_at(now, days, 0.5, 15, 45), "Tracking Assistant", "deploy", "Widget shows carrier logo and ETA range",
           "Tomás Ortega")
    when = _at(now, days, 0.45, 16, 0)
    change(when, "Invoice Reconciler", "schedule", "Nightly run moved from 02:00 to 03:00 UTC", "Hannah Schmidt")
    effects.append(Effect("Invoice Reconciler", end=ts(when), batch_hours=(2,)))

    when = _at(now, days, 0.35, 11, 5)
    cause = change(when, "Knowledge Retriever", "config",
                   "Enable query expansion (3 sub-queries) and raise top_k from 5 to 12", "Priya Natarajan")
    effects += [Effect(agent, start=ts(when + rollout), calls_x=1.5, fees_x=3.0, tokens_x=1.25)
                for agent in RETRIEVER_CALLERS]
    incidents.append(PlantedIncident("retriever-expansion", "dependency_change", RETRIEVER_CALLERS, when + rollout,
                                     None, "calls_per_run", 1.5, cause,
                                     "Every caller of the Knowledge Retriever makes 1.5x the calls and 3x the queries"))

    change(_at(now, days, 0.3, 13, 30), "Embedding Indexer", "deploy", "Skip unchanged documents by content hash",
           "Aisha Okafor")

    when = _at(now, days, 0.233, 16, 40)
    cause = change(when, "Sales Research Agent", "model", "Switch from gpt-4.1-mini to gpt-4.1 for better briefs",
                   "Marcus Bell", details={"property": "model", "old": "gpt-4.1-mini", "new": "gpt-4.1"})
    effects.append(Effect("Sales Research Agent", end=ts(when + rollout), model="gpt-4.1-mini"))
    incidents.append(PlantedIncident("pricier-model", "model_switch", ("Sales Research Agent",), when + rollout, None,
                                     "price_per_token", 5.0, cause, "gpt-4.1-mini -> gpt-4.1: 5x the price per token"))

    change(_at(now, days, 0.2, 10, 30), "Refund Agent", "deploy", "Support partial refunds", "Samir Haddad")

    growth = _at(now, days, 0.15, 0, 0)
    effects.append(Effect("Tracking Assistant", start=ts(growth), ramp_s=3 * DAY, runs_x=2.2))
    incidents.append(PlantedIncident("tracking-growth", "unexplained_growth", ("Tracking Assistant",), growth, None,
                                     "runs", 2.2, None, "Runs per day x2.2 over three days; no change recorded"))

    deploy = _at(now, days, 0.1, 10, 15)
    fix = min(deploy + timedelta(hours=30), now - timedelta(hours=1))
    cause = change(deploy, "Code Review Agent", "deploy",
                   "v3.2.0: self-correction loop when a sandbox run fails", "Priya Natarajan")
    change(fix, "Code Review Agent", "deploy", "v3.2.1: cap retries per step at 2", "Priya Natarajan")
    effects.append(Effect("Code Review Agent", start=ts(deploy + rollout), end=ts(fix), retry_rate=0.35))
    runaway = InjectedRun("Code Review Agent", ts(deploy + timedelta(hours=2, minutes=47)),
                          f"run_{rng.getrandbits(48):012x}", attempts=150)
    incidents.append(PlantedIncident("review-retry-loop", "retry_loop", ("Code Review Agent",), deploy + rollout,
                                     fix, "retries", 100.0, cause,
                                     "Retries after v3.2.0; one run looped 150 times (~100x a normal run)",
                                     run_id=runaway.run_id))
    changes.sort(key=lambda event: event["ts"])
    return Plan(changes, effects, [runaway], incidents)

