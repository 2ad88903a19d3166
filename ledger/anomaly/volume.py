"""The volume signal: runs over the trailing 24 h against the same 24 h of earlier days (weekdays against weekdays,
weekends against weekends) and, with a few weeks of history, of the same weekday, as a robust z with a counting floor;
for growth that the hourly cost hides in noise."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from ledger.anomaly.baseline import (
    Scored,
    day_groups,
    gather,
    row_median,
    same_hour_mean,
    trailing_day,
    weekday_z,
    weekly,
)
from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.derived import Metrics
from ledger.anomaly.episodes import Episode, rise_onset, scan_episodes

__all__ = ["runs_z", "volume_episodes"]

ALLOWANCE = 0.1  # of the rise seen at firing: a ramp's onset is where it began, not where it got halfway...
NOISE = 0.25  # ...plus a quarter Poisson deviation an hour, of at least `QUIET` runs, so counting noise does not pull
QUIET = 0.5  # the onset early (and the hours a daily job does not run wear down an earlier lucky run of it)


def runs_z(runs: np.ndarray, targets: np.ndarray, groups: np.ndarray, floor: int,
           config: AnomalyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Robust z of the trailing day's runs at each target, and its usual level (NaN without `volume_min_days` days).

    The scale is the largest of 1.4826 x MAD, twice the Poisson noise of the usual count, and `volume_floor` of it;
    the z is also taken against the same weekday (`weekday_z`).
    """
    day = trailing_day(runs, floor)

    def score(samples: np.ndarray, need: int) -> Scored:
        med, count = row_median(samples)
        mad, _ = row_median(np.abs(samples - med[:, None]))
        level = np.nan_to_num(med)
        scale = np.maximum.reduce([config.mad_scale * np.nan_to_num(mad), 2 * np.sqrt(np.maximum(level, 1.0)),
                                   config.volume_floor * level])
        return Scored(np.where(count >= need, (day[targets] - med) / scale, np.nan), count, level, scale)

    usual = score(gather(day, targets, groups, config.lookback_days, floor=floor,
                         min_samples=config.volume_min_days), config.volume_min_days)
    week = score(weekly(day, targets, config, floor), config.week_min_samples)
    return weekday_z(usual, week, config), usual.med, day


def volume_episodes(metrics: Metrics, start: datetime, targets: np.ndarray, floor: int,
                    config: AnomalyConfig) -> list[Episode]:
    """Episodes of daily-run growth; the expected cost of an hour is the usual runs of that hour at the old cost
    per run."""
    groups = day_groups(start, len(metrics))
    runs, cost = metrics.runs, metrics.cost
    z, level, day = runs_z(runs, targets, groups, floor, config)

    def rebase(new_floor: int, rest: np.ndarray) -> np.ndarray:
        fresh, level[len(level) - len(rest) :], _ = runs_z(runs, rest, groups, new_floor, config)
        return fresh

    def open_episode(i: int, t: int, floor_: int) -> tuple[int, np.ndarray]:
        lo = max(floor_, t - 72)
        usual = np.nan_to_num(same_hour_mean(runs, np.arange(lo, len(runs)), groups, config.lookback_days, lo))
        rise = float(day[t] / level[i]) - 1 if level[i] > 0 else 1.0
        onset = rise_onset(runs[lo:], usual, 0, t - lo, ALLOWANCE * rise,
                           NOISE * np.sqrt(np.maximum(usual, QUIET))) + lo
        before = slice(max(floor_, onset - 24 * config.lookback_days), onset)
        per_run = float(cost[before].sum() / runs[before].sum()) if runs[before].sum() > 0 else 0.0
        return onset, usual[onset - lo :] * per_run

    return scan_episodes("daily runs", z, targets, floor, config.volume_z, 2, rebase, open_episode, config, 23)
