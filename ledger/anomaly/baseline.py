"""The robust baseline: the same hour of previous days (weekdays against weekdays, weekends against weekends until
three weeks of history allow day-of-week factors), its median and MAD, and the robust z-score of log1p(cost).
Where a weekday keeps a level of its own, an hour must also stand out from the same hour of that weekday in earlier
weeks (`weekday_z`): what recurs every week (a Monday batch job) is the agent's normal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ledger.anomaly.config import AnomalyConfig

__all__ = [
    "Baseline", "Scored", "day_groups", "day_z", "gather", "robust_baseline", "row_median", "same_hour_mean",
    "trailing_day", "weekday_z", "weekly",
]


def row_median(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median of each row ignoring NaN, and the count of values; NaN where a row is empty.

    >>> med, n = row_median(np.array([[1.0, 5.0, np.nan], [np.nan, np.nan, np.nan], [3.0, 1.0, 2.0]]))
    >>> med.tolist(), n.tolist()
    ([3.0, nan, 2.0], [2, 0, 3])
    """
    ordered = np.sort(samples, axis=1)  # NaN sorts last
    count = np.count_nonzero(~np.isnan(samples), axis=1)
    rows = np.arange(len(samples))
    lo = np.maximum((count - 1) // 2, 0)
    hi = np.maximum(count // 2, 0)
    if samples.shape[1] == 0:
        return np.full(len(samples), np.nan), count
    med = (ordered[rows, lo] + ordered[rows, np.minimum(hi, samples.shape[1] - 1)]) / 2
    return np.where(count > 0, med, np.nan), count


def _raw_gather(values: np.ndarray, targets: np.ndarray, groups: np.ndarray | None, lags: np.ndarray,
                cutoff: int | None, floor: int) -> np.ndarray:
    idx = targets[:, None] - lags[None, :]
    ok = idx >= floor
    if cutoff is not None:
        ok &= idx < cutoff
    safe = np.where(ok, idx, 0)
    if groups is not None:
        ok &= groups[safe] == groups[targets][:, None]
    return np.where(ok, values[safe], np.nan)


def gather(
    values: np.ndarray,
    targets: np.ndarray,
    groups: np.ndarray,
    lookback_days: int,
    *,
    cutoff: int | None = None,
    floor: int = 0,
    min_samples: int = 2,
) -> np.ndarray:
    """Samples of `values` at the same hour of the previous `lookback_days` days, one row per target hour.

    A sample counts when it lies in [floor, cutoff) (default: any earlier day) and in the target's day group;
    others are NaN. A weekend target (group 1) with fewer than `min_samples` takes every earlier day instead
    (weekends are rarely busier than weekdays; a weekday after a weekend-only history gets no verdict).
    """
    lags = 24 * np.arange(1, lookback_days + 1)
    samples = _raw_gather(values, targets, groups, lags, cutoff, floor)
    short = (np.count_nonzero(~np.isnan(samples), axis=1) < min_samples) & (groups[targets] == 1)
    if short.any():
        samples[short] = _raw_gather(values, targets[short], None, lags, cutoff, floor)
    return samples


def weekly(values: np.ndarray, targets: np.ndarray, config: AnomalyConfig, floor: int = 0) -> np.ndarray:
    """Samples of `values` at the same hour of the same weekday of the previous `week_lookback` weeks (from hour
    `floor` on), one row per target hour.

    >>> weekly(np.arange(400.0), np.array([390, 200]), AnomalyConfig(week_lookback=2)).tolist()
    [[222.0, 54.0], [32.0, nan]]
    """
    return _raw_gather(values, targets, None, 168 * np.arange(1, config.week_lookback + 1), None, floor)


def same_hour_mean(values: np.ndarray, targets: np.ndarray, groups: np.ndarray, lookback_days: int,
                   cutoff: int) -> np.ndarray:
    """Mean of the same-hour samples before `cutoff` for each target (NaN without samples)."""
    samples = gather(values, targets, groups, lookback_days, cutoff=cutoff)
    count = np.count_nonzero(~np.isnan(samples), axis=1)
    total = np.nansum(samples, axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass(frozen=True, slots=True)
class Scored:
    """A robust z per target hour against some samples, with their count, median and scale."""

    z: np.ndarray
    count: np.ndarray
    med: np.ndarray
    scale: np.ndarray


def weekday_z(usual: Scored, week: Scored, config: AnomalyConfig) -> np.ndarray:
    """The usual z, or the smaller of it and the same-weekday z where this weekday is its own level (its median lies
    `week_apart` usual scales from the usual median) over `week_min_samples` weeks; NaN stays NaN (no verdict).

    >>> one = np.ones(4)
    >>> usual = Scored(np.array([9.0, 9.0, 9.0, np.nan]), 5 * one, 0 * one, one)
    >>> week = Scored(np.full(4, 0.5), np.array([2, 1, 2, 2]), np.array([8.0, 8.0, 1.0, 8.0]), one)
    >>> weekday_z(usual, week, AnomalyConfig())
    array([0.5, 9. , 9. , nan])
    """
    apart = np.abs(week.med - usual.med) >= config.week_apart * usual.scale
    ok = (week.count >= config.week_min_samples) & ~np.isnan(week.z) & apart
    return np.where(ok, np.minimum(usual.z, week.z), usual.z)


@dataclass(frozen=True, slots=True)
class Baseline:
    """Per target hour: the expected log1p(adjusted cost), its robust scale and the z-score; per hour: day group and
    day-of-week factor."""

    targets: np.ndarray
    expected: np.ndarray  # log1p of the expected day-of-week-adjusted cost
    scale: np.ndarray
    z: np.ndarray
    groups: np.ndarray
    factor: np.ndarray  # the day-of-week factor of every hour; 1 before three weeks


def day_groups(start: datetime, n: int) -> np.ndarray:
    """Weekday/weekend flag (UTC) for each hour."""
    first = start.weekday() * 24 + start.hour
    return ((first + np.arange(n)) // 24 % 7 >= 5).astype(np.int8)


def _dow_factors(cost: np.ndarray, start: datetime) -> np.ndarray:
    """Multiplicative day-of-week factor per hour: each weekday's median ratio of its daily cost to the median
    of the week around it, over complete days."""
    pad, n = start.hour, len(cost)
    days = (pad + n) // 24
    padded = np.full(days * 24, np.nan)
    padded[pad:] = cost[: days * 24 - pad]
    grid = padded.reshape(days, 24)
    daily = np.where(np.isnan(grid).any(axis=1), np.nan, grid.sum(axis=1))  # partial days do not count
    around = np.lib.stride_tricks.sliding_window_view(np.pad(daily, 3, constant_values=np.nan), 7)
    week_median, count = row_median(around)
    rel = np.where((count >= 5) & (week_median > 0), daily / np.where(week_median > 0, week_median, 1), np.nan)
    weekday = (start.weekday() + np.arange(days)) % 7
    factors = np.ones(7)
    for wd in range(7):
        seen = rel[(weekday == wd) & ~np.isnan(rel)]
        if len(seen) >= 3:
            factors[wd] = max(float(np.median(seen)), 0.05)
    first = start.weekday() * 24 + start.hour
    return factors[(first + np.arange(n)) // 24 % 7]


def robust_baseline(
    cost: np.ndarray, runs: np.ndarray, start: datetime, targets: np.ndarray, config: AnomalyConfig, floor: int = 0
) -> Baseline:
    """Robust z of log1p(cost) at each target hour against the same hour of earlier days (from hour `floor` on:
    a level shift restarts the baseline).

    Weekday hours compare with weekdays and weekend hours with weekends (see `gather`). With `dow_min_days`
    of history, cost is divided by day-of-week factors and all days compare. The scale is the largest of
    1.4826 x MAD, a share of the agent's typical MAD, the floor, and the Poisson noise of the expected runs
    (few runs an hour make a noisy hour whatever a few days' MAD says). The z is also taken against the same
    weekday (`weekday_z`).
    A target without `min_samples` usable days gets z = NaN (no verdict rather than noise).
    """
    n = len(cost)
    cost = np.maximum(cost, 0.0)
    if n >= 24 * config.dow_min_days:
        factor = _dow_factors(cost, start)
        groups = np.zeros(n, dtype=np.int8)
    else:
        factor = np.ones(n)
        groups = day_groups(start, n)
    x = np.log1p(cost / factor)
    pooled = np.nan  # a share of the agent's typical MAD, from its usual (not same-weekday) samples

    def score(samples: np.ndarray, run_samples: np.ndarray) -> Scored:
        nonlocal pooled
        med, count = row_median(samples)
        mad, _ = row_median(np.abs(samples - med[:, None]))
        spread = config.mad_scale * mad
        if np.isnan(pooled):
            active = spread[(med > 0.01) & (count >= config.min_samples)]
            pooled = float(np.median(active)) if len(active) else 0.0
        runs_med, _ = row_median(run_samples)
        level = np.expm1(np.nan_to_num(med))
        poisson = level / (1 + level) / np.sqrt(np.maximum(np.nan_to_num(runs_med), 1.0))
        scale = np.maximum.reduce([spread, np.full_like(spread, config.pooled_scale * pooled), poisson,
                                   np.full_like(spread, config.mad_floor)])
        return Scored(np.where(count >= config.min_samples, (x[targets] - med) / scale, np.nan), count, med, scale)

    usual = score(gather(x, targets, groups, config.lookback_days, floor=floor, min_samples=config.min_samples),
                  gather(runs, targets, groups, config.lookback_days, floor=floor, min_samples=config.min_samples))
    z = weekday_z(usual, score(weekly(x, targets, config, floor), weekly(runs, targets, config, floor)), config)
    med, scale = usual.med, usual.scale
    return Baseline(targets, med, scale, z, groups, factor)


def trailing_day(values: np.ndarray, floor: int) -> np.ndarray:
    """The sum of the 24 hours ending at each hour (NaN until a full day from `floor`)."""
    sums = np.concatenate([[0.0], np.cumsum(values)])
    hours = np.arange(len(values))
    return np.where(hours - 23 >= floor, sums[hours + 1] - sums[np.maximum(hours - 23, 0)], np.nan)


def day_z(cost: np.ndarray, runs: np.ndarray, targets: np.ndarray, groups: np.ndarray, config: AnomalyConfig,
          floor: int = 0) -> np.ndarray:
    """Robust z of the trailing 24 h cost at each target against the trailing 24 h at the same hour of earlier days
    (NaN without `min_samples` full days): how far a day stands out from the agent's own daily variability, the
    test for sparse and bursty agents whose same-hour baseline is mostly zero.

    The scale is the largest of 1.4826 x MAD of those days, `day_floor` of their median, and the noise of a day of
    few runs (a count of n runs varies by sqrt(n); the cost per run varies too, so twice that). The z is also taken
    against the same weekday (`weekday_z`).

    >>> cost, runs = np.tile([0.0] * 23 + [4.0], 10), np.tile([0.0] * 23 + [1.0], 10)
    >>> cost[-1], runs[-1] = 8.0, 2.0  # two runs in a day instead of one
    >>> float(day_z(cost, runs, np.array([239]), np.zeros(240, dtype=np.int8), AnomalyConfig())[0]) < 3
    True
    """
    day = trailing_day(np.maximum(cost, 0.0), floor)
    day_runs = trailing_day(runs, floor)

    def score(samples: np.ndarray, run_samples: np.ndarray) -> Scored:
        med, count = row_median(samples)
        mad, _ = row_median(np.abs(samples - med[:, None]))
        usual_runs, _ = row_median(run_samples)
        level = np.nan_to_num(med)
        counting = 2 * level / np.sqrt(np.maximum(np.nan_to_num(usual_runs), 1.0))
        scale = np.maximum.reduce([config.mad_scale * np.nan_to_num(mad), config.day_floor * level, counting,
                                   np.full_like(level, 1e-9)])
        return Scored(np.where(count >= config.min_samples, (day[targets] - med) / scale, np.nan), count, level, scale)

    usual = score(gather(day, targets, groups, config.lookback_days, floor=floor, min_samples=config.min_samples),
                  gather(day_runs, targets, groups, config.lookback_days, floor=floor, min_samples=config.min_samples))
    week = score(weekly(day, targets, config, floor), weekly(day_runs, targets, config, floor))
    return weekday_z(usual, week, config)
