"""Detection over an agent's hourly cost: a spike rule (robust z > 4 on 2 of 3 hours) and a one-sided CUSUM on
clipped z for sustained shifts, one incident per anomaly, gated by dollar and percent excess and a minimum of runs.

Causal by construction: the verdict on hour t uses only hours before t+1, so a pass at `now` over a trailing
window reports the same anomaly (same id: agent + onset hour) as every later pass and as a pass over all history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ledger.anomaly.attribute import explain
from ledger.anomaly.baseline import Baseline, gather, robust_baseline, row_median
from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.decompose import decompose
from ledger.anomaly.derived import Metrics, hourly
from ledger.anomaly.model import Anomaly, ChangeEvent
from ledger.series import HourlySeries

__all__ = ["anomaly_id", "detect"]

HOUR = timedelta(hours=1)


def anomaly_id(agent: str, onset: datetime) -> str:
    """The stable identity of an incident.

    >>> from datetime import timezone
    >>> anomaly_id("Support Agent", datetime(2025, 3, 4, 14, tzinfo=timezone.utc))
    'Support Agent@2025-03-04T14:00Z'
    """
    return f"{agent}@{onset:%Y-%m-%dT%H:00}Z"


@dataclass(slots=True)
class _Incident:
    onset: int
    fired: int
    rule: str
    last_active: int
    z_max: float
    end: int | None = None


def _scan(baseline: Baseline, config: AnomalyConfig) -> list[_Incident]:
    """Walk the z-scores hour by hour; open an incident when a rule fires, close it after `quiet_hours` calm."""
    k, h, clip = config.cusum_k, config.cusum_h, config.cusum_clip
    s, last_zero, hits = 0.0, int(baseline.targets[0]) - 1, []
    current: _Incident | None = None
    found: list[_Incident] = []
    for t, zt in zip(baseline.targets.tolist(), baseline.z.tolist(), strict=True):
        if zt != zt:  # NaN: no verdict on this hour
            continue
        s = max(0.0, s + min(max(zt, -clip), clip) - k)
        if s == 0.0:
            last_zero = t
        if zt > config.spike_z:
            hits.append(t)
        hits = [x for x in hits if x > t - config.spike_span]
        spike, shift = len(hits) >= config.spike_hits, s > h
        if current is None:
            if spike or shift:
                onset = min(hits[0] if spike else t, last_zero + 1 if shift else t)
                current = _Incident(onset, t, "spike" if spike else "shift", t, zt)
                found.append(current)
            continue
        current.z_max = max(current.z_max, zt)
        if zt > config.active_z or (current.rule == "shift" and shift):
            current.last_active = t
        elif t - current.last_active >= config.quiet_hours:
            current.end = current.last_active + 1
            current, s, last_zero, hits = None, 0.0, t, []
    return found


def _truncate(series: HourlySeries, now: datetime | None) -> Metrics:
    metrics = hourly(series)
    if now is None:
        return metrics
    n = int(max(0.0, min(len(metrics), (now - series.start) / HOUR)))
    cut = slice(0, n)
    return Metrics(
        metrics.agent, metrics.start, 1, metrics.cost[cut], metrics.runs[cut], metrics.calls[cut],
        metrics.tokens[cut], metrics.retries[cut], {m: v[cut] for m, v in metrics.model_cost.items()},
    )


def _build(metrics: Metrics, base: Baseline, inc: _Incident, n: int, config: AnomalyConfig) -> Anomaly | None:
    """Gate an incident and describe it; None when it never cleared the gates."""
    last = (inc.end if inc.end is not None else n) - 1
    last = max(last, inc.fired)
    window = np.arange(inc.onset, last + 1)
    log_cost = np.log1p(np.maximum(metrics.cost, 0.0) / base.factor)
    med, _ = row_median(gather(log_cost, window, base.groups, config.lookback_days, inc.onset, config.min_samples))
    expected = np.expm1(np.nan_to_num(med)) * base.factor[window]
    observed = metrics.cost[window]
    excess = np.cumsum(observed - expected)
    passes = (
        (window >= inc.fired)
        & (excess >= config.min_excess_usd)
        & (excess >= config.min_excess_pct * np.cumsum(expected))
        & (np.cumsum(metrics.runs[window]) >= config.min_runs)
    )
    if not passes.any():
        return None
    detected = int(window[np.argmax(passes)])
    parts = decompose(metrics, inc.onset, last, base.groups, config.lookback_days, expected)
    hours = len(window)
    base_rate, seen_rate = float(expected.sum()) / hours, float(observed.sum()) / hours
    kind = "spike" if inc.rule == "spike" and last - inc.onset < config.spike_max_hours else "shift"
    onset = metrics.at(inc.onset)
    return Anomaly(
        id=anomaly_id(metrics.agent, onset),
        agent=metrics.agent,
        kind=kind,
        onset=onset,
        detected_at=metrics.at(detected + 1),
        end=None if inc.end is None else metrics.at(inc.end),
        baseline_cost_per_hour=round(base_rate, 6),
        observed_cost_per_hour=round(seen_rate, 6),
        excess_usd=round(float(excess[-1]), 2),
        ratio=round(seen_rate / base_rate, 3) if base_rate > 0 else float("inf"),
        z_max=round(inc.z_max, 2),
        factor=parts.factor,
        shares=parts.shares,
        baseline=parts.baseline,
        observed=parts.observed,
    )


def detect(
    series: HourlySeries,
    now: datetime | None = None,
    config: AnomalyConfig | None = None,
    changes: Iterable[ChangeEvent] = (),
    *,
    history: bool = False,
) -> list[Anomaly]:
    """Anomalies of one agent from the complete hours before `now` (default: the whole series).

    An incremental pass (the default) reports incidents whose onset lies in the last `window_hours`, scanning
    `warmup_hours` more so that an incident keeps its onset; `history=True` scans everything. `changes` are the
    candidate causes (on the agent and what it depends on); see `explain` to re-rank them later.
    """
    config = config or AnomalyConfig()
    metrics = _truncate(series, now)
    n = len(metrics)
    first = 24 * config.min_samples
    if n <= first:
        return []
    report_from = first if history else max(first, n - config.window_hours)
    targets = np.arange(max(first, report_from - config.warmup_hours), n)
    base = robust_baseline(metrics.cost, metrics.start, targets, config)
    pool = list(changes)
    found = []
    for inc in _scan(base, config):
        if inc.onset < report_from:
            continue
        anomaly = _build(metrics, base, inc, n, config)
        if anomaly is not None:
            found.append(explain(anomaly, pool, config))
    return found
