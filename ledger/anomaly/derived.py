"""Per-agent series derived from an HourlySeries (hourly or daily): cost per run, tokens per run, price per token,
retry share and model mix. Pure functions over numpy arrays; a ratio over an empty hour is NaN, never 0."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ledger.series import HourlySeries

__all__ = ["Metrics", "daily", "hourly", "ratio"]


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0.

    >>> ratio(np.array([6.0, 1.0]), np.array([3.0, 0.0])).tolist()
    [2.0, nan]
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True, slots=True)
class Metrics:
    """One agent's series at a step of 1 hour or 24 hours; index 0 starts at `start`."""

    agent: str
    start: datetime
    step_hours: int
    cost: np.ndarray
    runs: np.ndarray
    calls: np.ndarray
    tokens: np.ndarray
    retries: np.ndarray
    model_cost: dict[str, np.ndarray]
    outcomes: np.ndarray | None = None  # outcome events per step; None when the agent reports none

    def __len__(self) -> int:
        return len(self.cost)

    def at(self, index: int) -> datetime:
        """The start of step `index`."""
        return self.start + timedelta(hours=self.step_hours * index)

    def cost_per_run(self) -> np.ndarray:
        return ratio(self.cost, self.runs)

    def calls_per_run(self) -> np.ndarray:
        return ratio(self.calls, self.runs)

    def tokens_per_run(self) -> np.ndarray:
        return ratio(self.tokens, self.runs)

    def price_per_token(self) -> np.ndarray:
        return ratio(self.cost, self.tokens)

    def retry_share(self) -> np.ndarray:
        """Retried calls over all calls."""
        return ratio(self.retries, self.calls)

    def model_mix(self) -> dict[str, np.ndarray]:
        """Each model's share of the cost per step (NaN where there was no cost)."""
        return {model: ratio(values, self.cost) for model, values in self.model_cost.items()}


def hourly(series: HourlySeries) -> Metrics:
    """The series as float arrays; tokens are input plus output tokens."""
    def arr(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)

    return Metrics(
        agent=series.agent,
        start=series.start,
        step_hours=1,
        cost=arr(series.cost),
        runs=arr(series.runs),
        calls=arr(series.calls),
        tokens=arr(series.input_tokens) + arr(series.output_tokens),
        retries=arr(series.retries),
        model_cost={model: arr(values) for model, values in series.model_cost.items()},
        outcomes=arr(series.outcomes) if any(series.outcomes) else None,
    )


def daily(series: HourlySeries) -> Metrics:
    """Sums per UTC day; the first and last days may be partial.

    >>> from datetime import timezone
    >>> s = HourlySeries("a", datetime(2025, 1, 1, 22, tzinfo=timezone.utc), [1.0] * 4, [1.0] * 4, [1.0] * 4,
    ...                  [10.0] * 4, [5.0] * 4, [0.0] * 4)
    >>> d = daily(s)
    >>> d.cost.tolist(), d.start.day, d.tokens_per_run().tolist()
    ([2.0, 2.0], 1, [15.0, 15.0])
    """
    hours = hourly(series)
    pad = series.start.hour
    days = -(-(pad + len(hours)) // 24)

    def fold(values: np.ndarray) -> np.ndarray:
        padded = np.zeros(days * 24)
        padded[pad : pad + len(values)] = values
        return padded.reshape(days, 24).sum(axis=1)

    return Metrics(
        agent=series.agent,
        start=series.start.replace(hour=0, minute=0, second=0, microsecond=0),
        step_hours=24,
        cost=fold(hours.cost),
        runs=fold(hours.runs),
        calls=fold(hours.calls),
        tokens=fold(hours.tokens),
        retries=fold(hours.retries),
        model_cost={model: fold(values) for model, values in hours.model_cost.items()},
        outcomes=None if hours.outcomes is None else fold(hours.outcomes),
    )
