"""The facade's result records: frozen dataclasses of JSON-friendly fields, ready for pydantic, FastAPI and MCP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "ChangePage",
    "ChangeRecord",
    "IngestReport",
    "ItemResult",
    "Rejection",
    "RunDistribution",
    "RunView",
    "SpendPoint",
    "SpendSummary",
    "UnattributedName",
    "UnpricedModel",
]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not stored: its 1-based position in the input, the field at fault and why."""

    row: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One input item's outcome: `stored`, `duplicate` or `rejected`."""

    row: int
    status: str
    id: str | None = None
    cost_usd: float | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class UnpricedModel:
    """A model no price is known for, with the tokens left unpriced."""

    model: str
    provider: str | None
    events: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did. Events count as stored only once their batch committed."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    unattributed: list[str] = field(default_factory=list)
    unpriced: list[UnpricedModel] = field(default_factory=list)
    total_cost_usd: float = 0.0
    items: list[ItemResult] = field(default_factory=list)
    alerts: int = 0
    outcomes: int = 0  # of `accepted`, the outcome events (`kind: outcome`)


@dataclass(frozen=True, slots=True)
class UnattributedName:
    """An agent name that resolves to no node, with its spend over the window."""

    name: str
    cost_usd: float
    calls: int
    runs: int


@dataclass(frozen=True, slots=True)
class SpendPoint:
    start: datetime
    cost_usd: float
    calls: int
    runs: int
    unpriced: int


@dataclass(frozen=True, slots=True)
class SpendSummary:
    """A node's spend over a window."""

    node_id: str
    cost_usd: float
    calls: int
    runs: int
    input_tokens: int
    output_tokens: int
    unpriced: int
    cost_per_day: float


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    id: str
    ts: datetime
    target: str
    node_id: str | None
    kind: str
    summary: str
    ref: str | None
    author: str | None
    planned: bool
    source: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Newest first; pass `next_cursor` back for the following page (None at the end)."""

    items: list[ChangeRecord]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RunView:
    """One run. `agent_key` is the agent name as telemetry reported it (resolved to `node_id` at query time);
    `retries` counts events with retry > 0, or errors followed by another attempt."""

    agent_key: str
    node_id: str | None
    run_id: str
    start: datetime
    last_event: datetime
    calls: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: float
    unpriced_events: int
    tool_cost_usd: float
    retrieval_cost_usd: float
    retries: int
    errors: int
    models: list[str]
    client: str | None
    project: str | None
    task: str | None
    flags: list[str]
    aggregate_only: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RunDistribution:
    """The run-cost distribution of a node's runs over a window (runs made only of aggregates are left out)."""

    node_id: str
    runs: int
    median: float
    p90: float
    p99: float
    mean: float
    max: float
