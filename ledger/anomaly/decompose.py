"""What moved: cost = runs x calls per run x tokens per call x price per token, baseline against the anomaly window,
as signed shares of the log change; and the averages a person reads in the anomaly's sentence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ledger.anomaly.baseline import same_hour_mean
from ledger.anomaly.derived import Metrics
from ledger.anomaly.model import Factor, FactorShares, WindowStats

__all__ = ["Decomposition", "decompose"]

RUNS_PSEUDO = 0.1  # runs per hour added to both sides, so a baseline of no runs gives a finite volume ratio
RETRY_JUMP = 0.25  # a retry share this much higher names retries whatever the shares say


@dataclass(frozen=True, slots=True)
class Decomposition:
    factor: Factor
    shares: FactorShares
    baseline: WindowStats
    observed: WindowStats


def _per(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _log_ratio(observed: float | None, base: float | None) -> float:
    if not observed or not base:
        return 0.0
    return float(np.log(observed / base))


def _stats(cost_per_hour: float, runs_per_hour: float, totals: dict[str, float], mix: dict[str, float]) -> WindowStats:
    """Hourly averages, and per-run figures from `totals` (cost, runs, calls, tokens, retries)."""
    return WindowStats(
        cost_per_hour=cost_per_hour,
        runs_per_hour=runs_per_hour,
        calls_per_run=_per(totals["calls"], totals["runs"]),
        tokens_per_run=_per(totals["tokens"], totals["runs"]),
        cost_per_run=_per(totals["cost"], totals["runs"]),
        usd_per_1k_tokens=_per(1000 * totals["cost"], totals["tokens"]),
        retry_share=_per(totals["retries"], totals["calls"]),
        model_mix=mix,
    )


def _mix(metrics: Metrics, index: np.ndarray | slice) -> dict[str, float]:
    total = float(metrics.cost[index].sum())
    if total <= 0:
        return {}
    shares = {model: float(values[index].sum()) / total for model, values in metrics.model_cost.items()}
    return {model: round(share, 4) for model, share in sorted(shares.items(), key=lambda kv: -kv[1]) if share > 0}


def decompose(
    metrics: Metrics, onset: int, last: int, groups: np.ndarray, lookback_days: int, expected_cost: np.ndarray
) -> Decomposition:
    """Compare hours [onset, last] with the agent's history before `onset`.

    Runs per hour are compared hour for hour with the same hours of earlier days (so a daily job that starts to
    run hourly shows as volume); per-run figures with the whole lookback before onset (stable on short windows).
    `expected_cost` is the baseline cost of each window hour.
    """
    window = np.arange(onset, last + 1)
    hours = float(len(window))
    before = slice(max(0, onset - 24 * lookback_days), onset)
    base_runs = np.nan_to_num(same_hour_mean(metrics.runs, window, groups, lookback_days, onset)).sum()
    b = {name: float(getattr(metrics, name)[before].sum()) for name in ("cost", "runs", "calls", "tokens", "retries")}
    o = {name: float(getattr(metrics, name)[window].sum()) for name in ("cost", "runs", "calls", "tokens", "retries")}
    baseline = _stats(float(expected_cost.sum()) / hours, base_runs / hours, b, _mix(metrics, before))
    observed = _stats(o["cost"] / hours, o["runs"] / hours, o, _mix(metrics, window))
    logs: dict[Factor, float] = {
        "volume": float(np.log((observed.runs_per_hour + RUNS_PSEUDO) / (baseline.runs_per_hour + RUNS_PSEUDO))),
        "retries": _log_ratio(observed.calls_per_run, baseline.calls_per_run),
        "tokens": _log_ratio(_per(o["tokens"], o["calls"]), _per(b["tokens"], b["calls"])),
        "price": _log_ratio(observed.usd_per_1k_tokens, baseline.usd_per_1k_tokens),
    }
    total = sum(abs(v) for v in logs.values())
    shares = FactorShares(**{k: round(v / total, 4) if total else 0.0 for k, v in logs.items()})
    retry_jump = (observed.retry_share or 0.0) - (baseline.retry_share or 0.0)
    factor: Factor = "retries" if retry_jump >= RETRY_JUMP else max(logs, key=logs.__getitem__)
    return Decomposition(factor, shares, baseline, observed)
