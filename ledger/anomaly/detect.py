"""Detection over an agent's hourly cost: a spike rule (robust z > 4 on 2 of 3 hours) and a one-sided CUSUM on
clipped z for sustained shifts, one incident per anomaly, gated by dollar and percent excess and a minimum of runs.

Causal by construction: the verdict on hour t uses only hours before t+1, so a pass at `now` over a trailing
window reports the same anomaly (same id: agent + onset hour) as every later pass and as a pass over all history.
One exception is bounded: day-of-week factors come from every week a pass sees, so a history scan judges an
agent's first `dow_min_days` on a series cut there (as the passes of those days did), never with later weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from ledger.anomaly.attribute import explain
from ledger.anomaly.baseline import Baseline, day_groups, day_z, gather, robust_baseline, row_median
from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.decompose import decompose
from ledger.anomaly.derived import Metrics, hourly
from ledger.anomaly.episodes import Episode
from ledger.anomaly.gates import daily_baseline, gate
from ledger.anomaly.model import Anomaly, ChangeEvent
from ledger.anomaly.recovery import recovery
from ledger.anomaly.unit import OUTCOME_RULE, unit_episodes
from ledger.anomaly.volume import volume_episodes
from ledger.series import HourlySeries

__all__ = ["anomaly_id", "detect"]

HOUR = timedelta(hours=1)
MERGE_SPAN = timedelta(days=7)  # an open shift claims this long: other rules need as long to absorb it


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
    floor: int  # the start of the baseline in effect when it opened
    evidence: int  # where the evidence starts (the CUSUM's last zero): the gates weigh from here
    end: int | None = None
    restarted: bool = False


def _scan(z: np.ndarray, targets: np.ndarray, floor: int, rebase: Callable[[int, np.ndarray], np.ndarray],
          config: AnomalyConfig) -> list[_Incident]:
    """Walk the z-scores hour by hour; open an incident when a rule fires, close it after `quiet_hours` calm.

    Onset: the first of the spike hits, or where the CUSUM last rose from zero; a second, steeper CUSUM
    (k = `onset_k`) keeps a slow drift before a jump from pulling the onset early. An incident that lasts
    `spike_max_hours` is a level shift: the baseline restarts at its onset (`rebase`), and its end is None (the
    new level persists) once the series is calm against the restarted baseline.
    """
    k, h, k2, span = config.cusum_k, config.cusum_h, config.onset_k, config.spike_span

    def prepare(z: np.ndarray) -> tuple[list[float], list[float], list[int]]:
        hit = (z > config.spike_z).astype(int)
        recent = np.convolve(hit, np.ones(span, dtype=int))[: len(z)]  # hits in the last `span` verdicts
        return z.tolist(), np.clip(z, -config.cusum_clip, config.cusum_clip).tolist(), recent.tolist()

    zs, clipped, recent = prepare(np.nan_to_num(z, nan=0.0))
    verdict = (~np.isnan(z)).tolist()
    s = s2 = 0.0
    last_zero, rise2, first_hit = int(targets[0]) - 1, int(targets[0]), -1
    current: _Incident | None = None
    found: list[_Incident] = []
    hours = targets.tolist()
    for i, t in enumerate(hours):
        if not verdict[i]:  # no verdict on this hour
            continue
        zt, zc = zs[i], clipped[i]
        s = s + zc - k if s + zc - k > 0.0 else 0.0
        if s == 0.0:
            last_zero = t
        if s2 == 0.0 and zt > k2:
            rise2 = t
        s2 = s2 + zc - k2 if s2 + zc - k2 > 0.0 else 0.0
        if zt > config.spike_z and recent[i] == 1:
            first_hit = t
        spike, shift = recent[i] >= config.spike_hits, s > h
        if current is None:
            if spike or shift:
                onset = min(first_hit if spike else t, max(last_zero + 1, rise2) if shift else t)
                evidence = min(onset, last_zero + 1) if shift else onset
                current = _Incident(onset, t, "spike" if spike else "shift", t, zt, floor, evidence)
                found.append(current)
            continue
        current.z_max = max(current.z_max, zt)
        if zt > config.active_z or (current.rule == "shift" and shift):
            current.last_active = t
            if not current.restarted and t - current.onset >= config.spike_max_hours and i + 1 < len(hours):
                current.restarted, floor = True, current.onset
                fresh = rebase(floor, targets[i + 1 :])
                verdict[i + 1 :] = (~np.isnan(fresh)).tolist()
                zs[i + 1 :], clipped[i + 1 :], recent[i + 1 :] = prepare(np.nan_to_num(fresh, nan=0.0))
        elif t - current.last_active >= config.quiet_hours:
            current.end = current.last_active + 1
            current, s, s2, last_zero, rise2 = None, 0.0, 0.0, t, t
    return found


def _truncate(series: HourlySeries, now: datetime | None) -> Metrics:
    """The complete hours before `now`, from the agent's first hour with data on: the empty hours before an agent
    existed (or before the store's history starts) are no baseline, or its first runs would look infinitely costly."""
    metrics = hourly(series)
    n = len(metrics) if now is None else int(max(0.0, min(len(metrics), (now - series.start) / HOUR)))
    active = np.flatnonzero((metrics.cost[:n] > 0) | (metrics.runs[:n] > 0))
    return _slice(metrics, int(active[0]) if len(active) else n, n)


def _slice(metrics: Metrics, lo: int, hi: int) -> Metrics:
    """Hours [lo, hi) of the series (from 0: the series as a pass at hour `hi` saw it)."""
    cut = slice(lo, hi)
    return Metrics(
        metrics.agent, metrics.at(lo), 1, metrics.cost[cut], metrics.runs[cut], metrics.calls[cut],
        metrics.tokens[cut], metrics.retries[cut], {m: v[cut] for m, v in metrics.model_cost.items()},
        None if metrics.outcomes is None else metrics.outcomes[cut],
    )


def _describe(metrics: Metrics, kind: str, onset: int, detected: int, last: int, end: int | None,
              expected: np.ndarray, z_max: float, groups: np.ndarray, floor: int,
              config: AnomalyConfig) -> Anomaly | None:
    """The anomaly of hours [onset, last] whose old level predicts `expected` for each; None for a new agent.
    One still open ends where its cost is back within the old level (`recovery`). Its excess counts every hour to
    its end; its figures and factor, the first day (or up to detection)."""
    if end is None:
        back = recovery(metrics.cost[onset : last + 1], expected, config)
        if back is not None:
            end, last, expected = onset + back, onset + back - 1, expected[:back]
    excess = float((metrics.cost[onset : last + 1] - expected).sum())
    last = min(last, max(detected, onset + 23))  # a lasting shift is described by its first day
    window = np.arange(onset, last + 1)
    observed, expected = metrics.cost[window], expected[: len(window)]
    parts = decompose(metrics, onset, last, groups, config.lookback_days, expected)
    hours = len(window)
    base_rate, seen_rate = float(expected.sum()) / hours, float(observed.sum()) / hours
    if base_rate <= 0:  # a sparse agent: its average hour over the lookback before onset
        base_rate = float(metrics.cost[max(floor, onset - 24 * config.lookback_days) : onset].mean()) if onset > floor \
            else 0.0
    if base_rate <= 0:
        return None  # spend where there never was any: a new agent, not a break in its own history
    at = metrics.at(onset)
    return Anomaly(
        id=anomaly_id(metrics.agent, at),
        agent=metrics.agent,
        kind=kind,  # type: ignore[arg-type]
        onset=at,
        detected_at=metrics.at(detected + 1),
        end=None if end is None else metrics.at(end),
        baseline_cost_per_hour=round(base_rate, 6),
        observed_cost_per_hour=round(seen_rate, 6),
        excess_usd=round(excess, 2),
        ratio=round(seen_rate / base_rate, 3),
        z_max=round(z_max, 2),
        factor=parts.factor,
        shares=parts.shares,
        baseline=parts.baseline,
        observed=parts.observed,
    )


def _build(metrics: Metrics, base: Baseline, inc: _Incident, n: int, config: AnomalyConfig) -> Anomaly | None:
    """Gate an incident of the hourly cost and describe it; None when it never cleared the gates. The gates judge
    its hours until it calmed; a level shift's description runs to now, where `recovery` may end it."""
    judged = max((inc.end if inc.end is not None else n) - 1, inc.fired)
    last = n - 1 if inc.restarted else judged
    window = np.arange(inc.evidence, last + 1)
    log_cost = np.log1p(np.maximum(metrics.cost, 0.0) / base.factor)
    samples = gather(log_cost, window, base.groups, config.lookback_days, cutoff=inc.evidence, floor=inc.floor,
                     min_samples=config.min_samples)
    med, _ = row_median(samples)
    expected = np.expm1(np.nan_to_num(med)) * base.factor[window]
    daily_cost = daily_baseline(metrics.cost, inc.evidence, inc.floor, config.lookback_days)
    seen = slice(0, judged - inc.evidence + 1)
    passes = gate(metrics.cost[window[seen]], expected[seen], metrics.runs[window[seen]], window[seen], inc.fired,
                  daily_cost, config, config.cost_excess_share)
    if np.mean(med[seen] == 0) >= config.sparse_share:  # NaN (no sample) counts as not zero
        passes &= day_z(metrics.cost, metrics.runs, window[seen], base.groups, config, inc.floor) > config.day_z
    if not passes.any():
        return None
    detected = int(window[np.argmax(passes)])
    after = window >= inc.onset
    spike = inc.rule == "spike" and last - inc.onset < config.spike_max_hours
    end = None if inc.end is None or inc.restarted else inc.end
    return _describe(metrics, "spike" if spike else "shift", inc.onset, detected, last, end, expected[after],
                     inc.z_max, base.groups, inc.floor, config)


def _build_episode(metrics: Metrics, groups: np.ndarray, ep: Episode, n: int, config: AnomalyConfig) -> Anomaly | None:
    """Gate an episode of a unit-rate or volume signal and describe it; None when it never cleared the gates."""
    last = max((ep.end if ep.end is not None else n) - 1, ep.fired)
    window = np.arange(ep.onset, last + 1)
    expected = ep.expected[: len(window)]
    daily_cost = daily_baseline(metrics.cost, ep.onset, ep.floor, config.lookback_days)
    passes = gate(metrics.cost[window], expected, metrics.runs[window], window, ep.fired, daily_cost, config)
    if not passes.any():
        return None
    detected = int(window[np.argmax(passes)])
    kind = "spike" if ep.end is not None and ep.end - ep.onset < config.spike_max_hours else "shift"
    found = _describe(metrics, kind, ep.onset, detected, last, ep.end, expected, ep.z_max, groups, ep.floor, config)
    if found is None or ep.rule != OUTCOME_RULE or metrics.outcomes is None:
        return found
    done = float(metrics.outcomes[window].sum())  # the old cost per outcome is what `expected` was priced at
    return replace(found, per_outcome=(round(float(expected.sum()) / done, 6),
                                       round(float(metrics.cost[window].sum()) / done, 6)) if done else None)


def _merge(found: list[Anomaly]) -> list[Anomaly]:
    """One incident per anomaly: of detections whose spans overlap, the first detected stands (its id is the one
    earlier passes already reported)."""
    kept: list[Anomaly] = []
    for a in sorted(found, key=lambda a: (a.detected_at, a.onset)):
        if not any(_overlap(a, k) for k in kept):
            kept.append(a)
    return sorted(kept, key=lambda a: a.onset)


def _overlap(a: Anomaly, b: Anomaly) -> bool:
    def until(x: Anomaly) -> datetime:
        return x.end if x.end is not None else max(x.detected_at, x.onset + MERGE_SPAN)
    return a.onset < until(b) and b.onset < until(a)


def detect(
    series: HourlySeries,
    now: datetime | None = None,
    config: AnomalyConfig | None = None,
    changes: Iterable[ChangeEvent] = (),
    *,
    known: Iterable[Anomaly] = (),
    history: bool = False,
) -> list[Anomaly]:
    """Anomalies of one agent from the complete hours before `now` (default: the whole series).

    An incremental pass (the default) reports incidents whose onset lies in the last `window_hours`, scanning
    `warmup_hours` more so that an incident keeps its onset; `known` are this agent's anomalies from earlier
    passes (a level shift that began before the scan restarts the baseline at its onset); `history=True`
    scans everything. `changes` are the candidate causes (on the agent and what it depends on); `explain`
    re-ranks them later (with peers moved filled in).
    """
    config = config or AnomalyConfig()
    metrics = _truncate(series, now)
    first = 24 * config.min_samples
    if len(metrics) <= first:
        return []
    pool = list(changes)
    weeks_from = 24 * config.dow_min_days - 1  # the first hour a pass judges with day-of-week factors
    if history and len(metrics) > weeks_from + 1:
        early = _detect(_slice(metrics, 0, weeks_from), config, pool, list(known), first)
        late = _detect(metrics, config, pool, [*known, *early], weeks_from - config.warmup_hours)
        return _merge([*early, *late])
    report_from = first if history else max(first, len(metrics) - config.window_hours)
    return _detect(metrics, config, pool, list(known), report_from)


def _detect(metrics: Metrics, config: AnomalyConfig, pool: list[ChangeEvent], known: list[Anomaly],
            report_from: int) -> list[Anomaly]:
    """One pass: incidents of every rule whose onset is at or after hour `report_from`, explained."""
    n = len(metrics)
    first = 24 * config.min_samples
    targets = np.arange(max(first, report_from - config.warmup_hours), n)
    shifted = [int((a.onset - metrics.start) / HOUR) for a in known if a.kind == "shift" and a.end is None]
    floor = max([0, *(o for o in shifted if o + config.spike_max_hours < targets[0])])

    def rebase(floor: int, rest: np.ndarray) -> Baseline:
        return robust_baseline(metrics.cost, metrics.runs, metrics.start, rest, config, floor)

    base = rebase(floor, targets)
    found = [_build(metrics, base, inc, n, config)
             for inc in _scan(base.z, targets, floor, lambda f, rest: rebase(f, rest).z, config)]
    groups = day_groups(metrics.start, n)
    episodes = unit_episodes(metrics, targets, floor, config) + volume_episodes(metrics, metrics.start, targets,
                                                                                 floor, config)
    found += [_build_episode(metrics, groups, ep, n, config) for ep in episodes]
    merged = _merge([a for a in found if a is not None])
    return [explain(a, pool, config) for a in merged if a.onset >= metrics.at(report_from)]
