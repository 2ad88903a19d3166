"""The results of detection and attribution: frozen dataclasses of JSON-friendly fields (str, int, float, bool,
None, datetime, lists, dicts and nested dataclasses) that pydantic, FastAPI and MCP serialise as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["Anomaly", "Candidate", "ChangeEvent", "FactorShares", "WindowStats"]

Factor = Literal["volume", "retries", "tokens", "price"]


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A recorded change that may explain an anomaly, as the integrator hands it over.

    `graph_distance`: 0 on the agent itself, 1 a direct dependency, 2 a dependency's dependency, None unrelated.
    `peers_moved`: how many other dependents of `target` also had an anomaly near `ts`, of `peers_total`
    other dependents (0 when unknown); see `peers_moved`.
    `details`: for vault edits, `{"property": "model", "old": ..., "new": ...}`.
    """

    id: str
    ts: datetime
    target: str
    kind: str
    summary: str
    ref: str | None = None
    planned: bool = False
    graph_distance: int | None = 0
    peers_moved: int = 0
    peers_total: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A change ranked as a possible cause, with the parts of its score and the evidence in words."""

    change: ChangeEvent
    score: float
    effective_kind: str
    fit: float
    nearness: float
    distance_weight: float
    peer_weight: float
    hours_before_onset: float
    evidence: list[str]


@dataclass(frozen=True, slots=True)
class FactorShares:
    """Each factor's share of log(observed cost / baseline cost); the four sum to 1 when the cost moved.

    cost = runs x calls per run (retries) x tokens per call x price per token.
    """

    volume: float
    retries: float
    tokens: float
    price: float


@dataclass(frozen=True, slots=True)
class WindowStats:
    """An agent's averages over a stretch of hours (NaN-free: None where undefined)."""

    cost_per_hour: float
    runs_per_hour: float
    calls_per_run: float | None
    tokens_per_run: float | None
    cost_per_run: float | None
    usd_per_1k_tokens: float | None
    retry_share: float | None
    model_mix: dict[str, float]


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One incident of an agent's cost series; `id` (agent + onset hour) is stable across passes.

    `end`: the first hour back within its old level (None while it lasts; see `ledger.anomaly.recovery`); `fix`: the
    recorded change that most likely ended it, when one came between its onset and its end. `per_outcome`: on an
    agent that reports outcomes, its cost per outcome before and since onset, when that is the signal that broke.
    """

    id: str
    agent: str
    kind: Literal["spike", "shift"]
    onset: datetime
    detected_at: datetime
    end: datetime | None
    baseline_cost_per_hour: float
    observed_cost_per_hour: float
    excess_usd: float
    ratio: float
    z_max: float
    factor: Factor
    shares: FactorShares
    baseline: WindowStats
    observed: WindowStats
    sentence: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    abstained: bool = True
    suppressed: bool = False
    state: str = "open"
    fix: ChangeEvent | None = None
    per_outcome: tuple[float, float] | None = None  # (old, new) cost per outcome, when that is what broke
