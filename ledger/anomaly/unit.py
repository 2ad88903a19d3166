"""Unit-rate signals that do not swing with volume: cost per run and price per token, pooled over an agent's last
few runs (a few hours when runs are sparse), as a robust z against the same pooled ratio earlier in its history.
The scale has a floor from the run count: a window of fewer runs than the history's is noisier. Each is pooled
twice: over `pool_runs` runs (quick, for big jumps) and `pool_runs_long` (slower, for a lasting moderate shift that
the run-to-run spread of a short pool hides)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ledger.anomaly.baseline import row_median
from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.derived import Metrics
from ledger.anomaly.episodes import Episode, rise_onset, scan_episodes

__all__ = ["OUTCOME_RULE", "pooled", "unit_episodes", "unit_z"]

OUTCOME_RULE = "cost per outcome"
NO_MODEL = "(none)"  # the ledger's model key of tool and retrieval fees: no tokens, so no price per token


def pooled(num: np.ndarray, den: np.ndarray, runs: np.ndarray,
           config: AnomalyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hour t: log(sum num / sum den) over the shortest span ending at t that holds `pool_runs` runs (at least
    `pool_min_hours`, at most `pool_max_hours`), the runs in it and its first hour; NaN where hour t has no run or
    the span fewer than `pool_min_runs` runs.

    >>> p, r, _ = pooled(np.array([1.0, 0, 2, 2]), np.array([1.0, 0, 1, 1]), np.array([1.0, 0, 1, 1]), AnomalyConfig())
    >>> np.round(np.exp(p), 3).tolist(), r.tolist()
    ([nan, nan, nan, 1.667], [nan, nan, nan, 3.0])
    """
    n = len(runs)
    cr, cn, cd = (np.concatenate([[0.0], np.cumsum(np.maximum(v, 0.0))]) for v in (runs, num, den))
    ends = np.arange(1, n + 1)
    starts = np.searchsorted(cr, cr[ends] - config.pool_runs + 1e-9, side="right") - 1
    starts = np.clip(starts, np.maximum(ends - config.pool_max_hours, 0), np.maximum(ends - config.pool_min_hours, 0))
    got, top, bottom = cr[ends] - cr[starts], cn[ends] - cn[starts], cd[ends] - cd[starts]
    ok = (runs > 0) & (got >= config.pool_min_runs) & (top > 0) & (bottom > 0)
    ratio = np.full(n, np.nan)
    np.log(top / np.where(bottom > 0, bottom, 1.0), out=ratio, where=ok)
    return ratio, np.where(ok, got, np.nan), starts


def unit_z(ratio: np.ndarray, got: np.ndarray, starts: np.ndarray, targets: np.ndarray, floor: int,
           config: AnomalyConfig) -> tuple[np.ndarray, np.ndarray]:
    """Robust z of the pooled log ratio at each target against history samples every `pool_stride` hours before
    the target's span (no overlap with its runs) back `lookback_days`, from `floor` on; and the median.
    The samples end at the span's start rounded down to a multiple of `pool_refresh` hours, so each pass summarises
    a handful of sample sets, not one per hour scanned."""
    offsets = np.arange(1, 24 * config.lookback_days + 1, config.pool_stride)
    live = ~np.isnan(ratio[targets])  # an hour without runs gets no verdict: nothing to summarise for it
    anchors, which = np.unique(starts[targets[live]] // config.pool_refresh * config.pool_refresh,
                               return_inverse=True)
    idx = anchors[:, None] - offsets[None, :]
    ok = idx >= floor
    safe = np.where(ok, idx, 0)
    samples = np.where(ok, ratio[safe], np.nan)
    med, count = row_median(samples)
    mad, _ = row_median(np.abs(samples - med[:, None]))
    usual, _ = row_median(np.where(ok, got[safe], np.nan))
    row = np.full(len(targets), len(anchors))  # an hour without runs reads a last row of NaN
    row[live] = which
    med, count, spread, usual = (np.append(v, np.nan)[row] for v in (med, count, config.mad_scale * mad, usual))
    fewer = np.sqrt(np.nan_to_num(usual, nan=1.0) / np.where(got[targets] > 0, got[targets], 1.0))
    scale = np.maximum.reduce([spread, spread * fewer, np.full_like(spread, config.unit_floor)])
    z = np.where(count >= config.pool_min_samples, (ratio[targets] - med) / scale, np.nan)
    return z, med


def unit_episodes(metrics: Metrics, targets: np.ndarray, floor: int, config: AnomalyConfig) -> list[Episode]:
    """Episodes of each unit-rate signal; the expected cost of an hour is its runs (tokens) at the old rate."""
    out: list[Episode] = []
    fees = metrics.model_cost.get(NO_MODEL, np.zeros(len(metrics)))
    # (rule, numerator, denominator, what the pool counts): cost per outcome pools outcomes, as the others pool runs
    signals = [("cost per run", metrics.cost, metrics.runs, metrics.runs),
               ("price per token", metrics.cost - fees, metrics.tokens, metrics.runs)]
    if metrics.outcomes is not None:  # cost flat while outcomes halve is a cost problem too
        signals.append((OUTCOME_RULE, metrics.cost, metrics.outcomes, metrics.outcomes))
    short = [pooled(num, den, count, config) for _, num, den, count in signals]
    spans = np.arange(1, len(metrics) + 1) - short[0][2]
    # a long pool is the same signal when the short one mostly spans `pool_max_hours` already
    both = len(spans) > 0 and np.median(spans) < config.pool_max_hours
    long_config = replace(config, pool_runs=config.pool_runs_long)
    for (rule, num, den, count), quick in zip(signals, short, strict=True):
        out += _episodes(rule, num, den, quick, quick[0], targets, floor, config)
        if both:
            out += _episodes(rule, num, den, pooled(num, den, count, long_config), quick[0], targets, floor,
                             long_config)
    return out


def _episodes(rule: str, num: np.ndarray, den: np.ndarray, pool: tuple[np.ndarray, np.ndarray, np.ndarray],
              recent: np.ndarray, targets: np.ndarray, floor: int, config: AnomalyConfig) -> list[Episode]:
    """Episodes of one pooled ratio (`pooled`'s answer); the onset search allows for half the larger of its shift
    and the recent (short-pool) one, since a long pool that fires still mixes old runs in."""
    ratio, got, starts = pool
    if np.isnan(ratio).all():
        return []
    z, med = unit_z(ratio, got, starts, targets, floor, config)

    def rebase(new_floor: int, rest: np.ndarray) -> np.ndarray:
        fresh, med[len(med) - len(rest) :] = unit_z(ratio, got, starts, rest, new_floor, config)
        return fresh

    def open_episode(i: int, t: int, floor_: int) -> tuple[int, np.ndarray]:
        shift = float(np.exp(np.fmax(ratio[t], recent[t]) - med[i])) - 1
        lo = max(floor_, t - config.pool_max_hours - 24)  # back past the span that fired
        before = slice(max(floor_, lo - 24 * config.lookback_days), lo)
        level = float(num[before].sum() / den[before].sum()) if den[before].sum() > 0 else float(np.exp(med[i]))
        onset = rise_onset(num / level, den, lo, t, 0.5 * shift)
        return onset, den[onset:] * level

    return scan_episodes(rule, z, targets, floor, config.unit_z, config.unit_hits, rebase, open_episode, config,
                         config.pool_min_hours - 1)
