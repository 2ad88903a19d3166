"""The sentence of a calls-per-run anomaly says retries only when the retry share rose."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ledger.anomaly.model import Anomaly, FactorShares, WindowStats
from ledger.anomaly.sentence import describe


def _stats(calls: float, retry_share: float) -> WindowStats:
    return WindowStats(cost_per_hour=1.0, runs_per_hour=2.0, calls_per_run=calls, tokens_per_run=1000.0,
                       cost_per_run=0.5, usd_per_1k_tokens=0.5, retry_share=retry_share, model_mix={})


def _anomaly(base: WindowStats, seen: WindowStats) -> Anomaly:
    onset = datetime(2026, 10, 30, 11, tzinfo=UTC)
    return Anomaly(id="A@x", agent="Docs Assistant", kind="shift", onset=onset, detected_at=onset, end=None,
                   baseline_cost_per_hour=1.0, observed_cost_per_hour=2.6, excess_usd=2.98, ratio=2.6, z_max=6.0,
                   factor="retries", shares=FactorShares(0.0, 1.0, 0.0, 0.0), baseline=base, observed=seen)


def test_more_calls_without_more_retries_is_not_called_retries() -> None:
    text = describe(_anomaly(_stats(2.5, 0.0), _stats(5.8, 0.0)))
    assert "retries" not in text
    assert "calls per run went from 2.5 to 5.8 starting 11:00 UTC on Oct 30" in text


def test_a_retry_storm_says_so() -> None:
    anomaly = _anomaly(_stats(6.5, 0.0), _stats(11.0, 0.42))
    assert "retries took over: calls per run went from 6.5 to 11 (retry share 0% -> 42%)" in describe(anomaly)
    assert describe(replace(anomaly, agent="X")).startswith("X: retries took over")
