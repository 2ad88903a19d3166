"""The gates an incident must clear before it is an anomaly: its excess must matter to this agent (a daily rate of
at least an absolute floor or a share of the agent's own daily cost), be a real share of what was expected, and
come from a few runs. Relative to the agent, so a $1.50/day agent's x5 counts and a $0.04/day agent's noise does not."""

from __future__ import annotations

import numpy as np

from ledger.anomaly.config import AnomalyConfig

__all__ = ["daily_baseline", "gate", "required_rate"]


def daily_baseline(cost: np.ndarray, onset: int, floor: int, lookback_days: int) -> float:
    """The agent's average daily cost over its lookback before `onset` (from hour `floor` on; 0 without history).

    >>> daily_baseline(np.array([1.0] * 48 + [9.0] * 5), 48, 0, 14)
    24.0
    """
    lo = max(floor, onset - 24 * lookback_days, 0)
    hours = onset - lo
    return float(np.maximum(cost[lo:onset], 0.0).sum()) * 24 / hours if hours > 0 else 0.0


def required_rate(daily_cost: float, config: AnomalyConfig, share: float | None = None) -> float:
    """The excess per day an incident must reach: the absolute floor or a share of the agent's daily cost.

    >>> required_rate(0.1, AnomalyConfig()), required_rate(100.0, AnomalyConfig())
    (0.2, 20.0)
    """
    return max(config.min_excess_usd_day, (config.min_excess_share if share is None else share) * daily_cost)


def gate(observed: np.ndarray, expected: np.ndarray, runs: np.ndarray, window: np.ndarray, fired: int,
         daily_cost: float, config: AnomalyConfig, share: float | None = None) -> np.ndarray:
    """Per hour of `window` (from the evidence start on): have all gates held by then?

    The excess accumulated since the window's start must average `required_rate` per day over the elapsed hours
    (at least `gate_hours` of them), be `min_excess_pct` of the expected cost, and come from `min_runs` runs;
    nothing passes before the hour the rule `fired`.
    """
    excess = np.cumsum(observed - expected)
    elapsed = np.maximum(np.arange(1, len(window) + 1), config.gate_hours)
    return (
        (window >= fired)
        & (excess >= required_rate(daily_cost, config, share) * elapsed / 24)
        & (excess >= config.min_excess_pct * np.cumsum(expected))
        & (np.cumsum(runs) >= config.min_runs)
    )
