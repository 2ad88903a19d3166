"""Cost series read from the rollups: an agent's hourly series (the input of anomaly detection), and spend per
hour or day grouped as the run-rate groups it (the dashboard's chart)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["GroupedSpend", "HourlySeries"]


@dataclass(frozen=True, slots=True)
class HourlySeries:
    """One agent's hourly rollup. Index 0 is `start` (UTC, on the hour); an hour with no events is zero.

    All lists have the same length. `model_cost` splits `cost` by model (the model mix).
    """

    agent: str
    start: datetime
    cost: list[float]
    runs: list[float]
    calls: list[float]
    input_tokens: list[float]
    output_tokens: list[float]
    retries: list[float]
    model_cost: Mapping[str, list[float]] = field(default_factory=dict)
    outcomes: list[float] = field(default_factory=list)  # outcome events per hour (empty: the agent reports none)

    def __len__(self) -> int:
        return len(self.cost)

    def hour(self, index: int) -> datetime:
        """The start of hour `index`."""
        return self.start + timedelta(hours=index)


@dataclass(frozen=True, slots=True)
class GroupedSpend:
    """Cost per bucket (hour or day, UTC) over [since, until), per group as `Ledger.run_rate` groups it: `costs[g][i]`
    is group g's cost in the bucket starting at `starts[i]`; the None group is the unattributed spend. A group's
    buckets add up to its run-rate `cost` over the same span (edge days hold only the hours inside the span)."""

    by: str
    bucket: str
    since: datetime
    until: datetime
    starts: list[datetime]
    costs: Mapping[str | None, list[float]]
